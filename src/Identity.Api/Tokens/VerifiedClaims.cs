using System.Globalization;
using System.Text.Json.Nodes;
using Identity.Grains.Patients;
using OpenIddict.Abstractions;

namespace Identity.Api.Tokens;

/// <summary>
/// OpenID Connect for Identity Assurance 1.0 <c>verified_claims</c>: asked for through the <c>claims</c> request parameter
/// (per target: <c>id_token</c>, <c>userinfo</c>), answered only for a patient verified at IAL2 and only with the claims asked.
/// </summary>
public static class VerifiedClaims
{
    public const string TrustFramework = "nist_800_63A";
    public const string AssuranceLevel = "ial2";
    public static readonly string[] Available = ["given_name", "family_name", "birthdate"];

    /// <summary>The claim names asked inside <c>verified_claims</c> for <paramref name="target"/>, or null when it was not asked.</summary>
    public static string[]? Requested(OpenIddictRequest request, string target)
    {
        var parameter = request.GetParameter(OpenIddictConstants.Parameters.Claims);
        if (parameter is null)
        {
            return null;
        }
        try
        {
            var root = JsonNode.Parse(parameter.Value.ToString()!);
            if (root?[target] is not JsonObject targetNode || !targetNode.TryGetPropertyValue(TokenClaims.VerifiedClaims, out var verified))
            {
                return null;
            }
            return verified?["claims"] is JsonObject claims ? [.. claims.Select(c => c.Key).Intersect(Available)] : [];
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public static JsonObject Build(VerifiedIdentity identity, IEnumerable<string> names)
    {
        var claims = new JsonObject();
        foreach (var name in names.Distinct())
        {
            JsonNode? value = name switch
            {
                "given_name" => identity.GivenName,
                "family_name" => identity.FamilyName,
                "birthdate" => identity.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                _ => null,
            };
            if (value is not null)
            {
                claims[name] = value;
            }
        }
        var time = identity.VerifiedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["verification"] = new JsonObject
            {
                ["trust_framework"] = TrustFramework,
                ["assurance_level"] = AssuranceLevel,
                ["time"] = time,
                ["evidence"] = new JsonArray(new JsonObject
                {
                    ["type"] = identity.Evidence.Type,
                    ["check_details"] = new JsonArray(new JsonObject { ["check_method"] = identity.Evidence.CheckMethod }),
                    ["time"] = time,
                    ["document_details"] = new JsonObject
                    {
                        ["type"] = "driving_permit",
                        ["document_type"] = identity.Evidence.DocumentType,
                        ["issuer"] = new JsonObject { ["name"] = identity.IssuingAuthority, ["country_code"] = identity.IssuingCountry },
                        ["date_of_expiry"] = identity.DocumentExpiry.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    },
                }),
            },
            ["claims"] = claims,
        };
    }
}
