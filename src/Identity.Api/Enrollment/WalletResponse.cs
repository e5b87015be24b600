using System.Buffers.Text;
using System.Text.Json;

namespace Identity.Api.Enrollment;

/// <summary>Takes the DeviceResponse out of an OpenID4VP 1.0 response: <c>vp_token</c> is <c>{"mdl": ["&lt;base64url DeviceResponse&gt;"]}</c> (§8.1).</summary>
public static class WalletResponse
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };

    /// <summary>The decrypted JWE payload: a JSON object holding <c>vp_token</c> (and possibly <c>state</c>).</summary>
    public static byte[] FromResponsePayload(ReadOnlySpan<byte> payload, string? expectedState)
    {
        try
        {
            using var document = JsonDocument.Parse(payload.ToArray(), Options);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("The decrypted response is not a JSON object.");
            }
            if (expectedState is not null && root.TryGetProperty("state", out var state) && state.GetString() != expectedState)
            {
                throw Invalid("The response's state is not this request's.");
            }
            if (root.TryGetProperty("error", out var error))
            {
                throw new EnrollmentFailureException(EnrollmentFailure.BadRequest("wallet_error",
                    "The wallet did not share the document.", $"The wallet answered '{error.GetString()}'."));
            }
            return root.TryGetProperty("vp_token", out var vpToken) ? FromVpToken(vpToken)
                : throw Invalid("The response has no vp_token.");
        }
        catch (JsonException)
        {
            throw Invalid("The decrypted response is not JSON.");
        }
    }

    /// <summary>The <c>vp_token</c> form parameter of an unencrypted <c>direct_post</c> response (JSON text).</summary>
    public static byte[] FromVpTokenText(string vpToken)
    {
        try
        {
            using var document = JsonDocument.Parse(vpToken, Options);
            return FromVpToken(document.RootElement);
        }
        catch (JsonException)
        {
            throw Invalid("vp_token is not JSON.");
        }
    }

    private static byte[] FromVpToken(JsonElement vpToken)
    {
        if (vpToken.ValueKind != JsonValueKind.Object || !vpToken.TryGetProperty(MdlQuery.CredentialId, out var presentations))
        {
            throw Invalid($"vp_token must be an object with the credential query id '{MdlQuery.CredentialId}'.");
        }
        if (presentations.ValueKind != JsonValueKind.Array || presentations.GetArrayLength() != 1 || presentations[0].ValueKind != JsonValueKind.String)
        {
            throw Invalid($"vp_token.{MdlQuery.CredentialId} must be an array holding one base64url DeviceResponse.");
        }
        var text = presentations[0].GetString()!;
        return Base64Url.IsValid(text) ? Base64Url.DecodeFromChars(text) : throw Invalid("The DeviceResponse is not base64url.");
    }

    private static EnrollmentFailureException Invalid(string detail) =>
        new(EnrollmentFailure.BadRequest("vp_token_invalid", "The wallet's response is not a valid OpenID4VP response.", detail));
}
