using System.Text.Json.Nodes;

namespace Identity.Api.Enrollment;

/// <summary>
/// The DCQL query (OpenID4VP 1.0 §6) for an mDL asking only for what enrolment needs; no portrait, no address, no
/// age flags. Everything but the document number is kept (minimised and encrypted); the number only as a keyed hash.
/// </summary>
public static class MdlQuery
{
    public const string DocType = "org.iso.18013.5.1.mDL";
    public const string NameSpace = "org.iso.18013.5.1";

    /// <summary>The credential query id; the wallet answers with <c>vp_token: {"mdl": ["&lt;base64url DeviceResponse&gt;"]}</c>.</summary>
    public const string CredentialId = "mdl";

    /// <summary>The element identifiers requested, in the order they are shown to the patient.</summary>
    public static readonly IReadOnlyList<string> Elements =
        ["given_name", "family_name", "birth_date", "issuing_country", "issuing_authority", "document_number", "expiry_date"];

    public static JsonObject Dcql() => new()
    {
        ["credentials"] = new JsonArray(new JsonObject
        {
            ["id"] = CredentialId,
            ["format"] = "mso_mdoc",
            ["meta"] = new JsonObject { ["doctype_value"] = DocType },
            ["claims"] = new JsonArray([.. Elements.Select(element => (JsonNode)new JsonObject
            {
                ["path"] = new JsonArray(NameSpace, element),
                ["intent_to_retain"] = element != "document_number",
            })]),
        }),
    };
}
