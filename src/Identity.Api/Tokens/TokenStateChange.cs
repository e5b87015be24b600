namespace Identity.Api.Tokens;

public enum TokenStateChangeKind
{
    Token,
    Authorization,
    Everything,
}

/// <summary>A committed change to a token entry or authorization, as told to every instance's <see cref="TokenStateCache"/>.</summary>
public sealed record TokenStateChange(TokenStateChangeKind Kind, string? Id)
{
    public static readonly TokenStateChange Everything = new(TokenStateChangeKind.Everything, null);

    public static TokenStateChange OfToken(string? id) => id is null ? Everything : new(TokenStateChangeKind.Token, id);

    public static TokenStateChange OfAuthorization(string? id) => id is null ? Everything : new(TokenStateChangeKind.Authorization, id);

    /// <summary>The wire form on the Redis channel: <c>t:{id}</c>, <c>a:{id}</c> or <c>*</c>.</summary>
    public string ToMessage() => Kind switch
    {
        TokenStateChangeKind.Token => "t:" + Id,
        TokenStateChangeKind.Authorization => "a:" + Id,
        _ => "*",
    };

    /// <summary>Anything not understood is read as "everything changed": forgetting too much is safe, too little is not.</summary>
    public static TokenStateChange FromMessage(string? message) => message switch
    {
        ['t', ':', .. var id] when id.Length is > 0 and <= 200 => new(TokenStateChangeKind.Token, id),
        ['a', ':', .. var id] when id.Length is > 0 and <= 200 => new(TokenStateChangeKind.Authorization, id),
        _ => Everything,
    };
}
