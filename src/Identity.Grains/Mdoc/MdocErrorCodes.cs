namespace Identity.Grains.Mdoc;

/// <summary>The stable codes of <see cref="MdocError"/> (the categories of <c>shared/vectors/mdl/README.md</c>).</summary>
public static class MdocErrorCodes
{
    private static readonly string[] Codes =
    [
        "cbor_malformed",
        "structure_invalid",
        "unsupported_algorithm",
        "untrusted_issuer",
        "certificate_expired",
        "certificate_profile",
        "issuer_signature_invalid",
        "doctype_mismatch",
        "mso_expired",
        "mso_not_yet_valid",
        "digest_mismatch",
        "device_signature_invalid",
        "session_transcript_mismatch",
    ];

    public static string ToCode(this MdocError error) => Codes[(int)error];

    public static bool TryParse(string code, out MdocError error)
    {
        var index = Array.IndexOf(Codes, code);
        error = (MdocError)Math.Max(index, 0);
        return index >= 0;
    }
}
