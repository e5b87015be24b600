namespace Identity.Api.Enrollment.DemoWallet;

/// <summary>The made-up person the demo wallet's licence is issued to; the page lets a tester change the name and number.</summary>
public sealed record DemoHolder
{
    public string GivenName { get; init; } = "Alex";

    public string FamilyName { get; init; } = "Demo";

    public DateOnly BirthDate { get; init; } = new(1990, 4, 12);

    public string DocumentNumber { get; init; } = "DEMO0000001";

    /// <summary>Checked before issuing: plain text of sensible length, so the demo cannot be used to feed odd input.</summary>
    public bool IsValid => Valid(GivenName) && Valid(FamilyName) && Valid(DocumentNumber) && BirthDate.Year is > 1900 and < 2100;

    private static bool Valid(string value) => value is { Length: > 0 and <= 64 } && !value.Any(char.IsControl);
}
