using System.Globalization;
using System.Text.Json;

namespace Identity.Grains.Patients;

/// <summary>
/// A <see cref="VerifiedIdentity"/> as grain storage holds it: the personal fields (names, birth date, issuing country
/// and authority, document expiry) sealed by <see cref="IPersonalDataProtector"/>; when, against which trust anchor and
/// the evidence stay readable for audits (they hold no personal data: the document key is a keyed hash).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SealedVerifiedIdentity
{
    [Id(0)] public required byte[] PersonalData { get; init; }

    [Id(1)] public required DateTimeOffset VerifiedAt { get; init; }

    [Id(2)] public required string TrustAnchorId { get; init; }

    [Id(3)] public required VerificationEvidence Evidence { get; init; }

    public static SealedVerifiedIdentity Seal(VerifiedIdentity identity, Guid patient, IPersonalDataProtector protector)
    {
        var personal = new Dictionary<string, string>
        {
            ["given_name"] = identity.GivenName,
            ["family_name"] = identity.FamilyName,
            ["birth_date"] = identity.BirthDate.ToString("O", CultureInfo.InvariantCulture),
            ["issuing_country"] = identity.IssuingCountry,
            ["issuing_authority"] = identity.IssuingAuthority,
            ["expiry_date"] = identity.DocumentExpiry.ToString("O", CultureInfo.InvariantCulture),
        };
        return new SealedVerifiedIdentity
        {
            PersonalData = protector.Protect(JsonSerializer.SerializeToUtf8Bytes(personal), patient),
            VerifiedAt = identity.VerifiedAt,
            TrustAnchorId = identity.TrustAnchorId,
            Evidence = identity.Evidence,
        };
    }

    public VerifiedIdentity Unseal(Guid patient, IPersonalDataProtector protector)
    {
        var personal = JsonSerializer.Deserialize<Dictionary<string, string>>(protector.Unprotect(PersonalData, patient))!;
        return new VerifiedIdentity
        {
            GivenName = personal["given_name"],
            FamilyName = personal["family_name"],
            BirthDate = DateOnly.ParseExact(personal["birth_date"], "O", CultureInfo.InvariantCulture),
            IssuingCountry = personal["issuing_country"],
            IssuingAuthority = personal["issuing_authority"],
            DocumentExpiry = DateOnly.ParseExact(personal["expiry_date"], "O", CultureInfo.InvariantCulture),
            VerifiedAt = VerifiedAt,
            TrustAnchorId = TrustAnchorId,
            Evidence = Evidence,
        };
    }
}
