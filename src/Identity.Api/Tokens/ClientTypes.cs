namespace Identity.Api.Tokens;

public static class ClientTypes
{
    public const string Public = "public";
    public const string Confidential = "confidential";
}
