using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Identity.Tests.Passkeys;

/// <summary>One entry of <c>shared/vectors/webauthn</c> (see its README): a captured or mutated ceremony and its verdict.</summary>
public sealed record WebAuthnVector(string Id, JsonElement Entry, JsonElement Case)
{
    public static readonly string Root = FindRoot();

    private static readonly Lazy<JsonElement[]> ManifestEntries = new(() =>
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "manifest.json")));
        return [.. manifest.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.Clone())];
    });

    public static IEnumerable<string> Ids => ManifestEntries.Value.Select(e => e.GetProperty("id").GetString()!);

    public static WebAuthnVector Load(string id)
    {
        var entry = ManifestEntries.Value.Single(e => e.GetProperty("id").GetString() == id);
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, entry.GetProperty("file").GetString()!)));
        return new WebAuthnVector(id, entry, file.RootElement.Clone());
    }

    public bool IsRegistration => Case.GetProperty("ceremony").GetString() == "registration";

    public bool ShouldAccept => Entry.GetProperty("expected").GetString() == "accept";

    public string Origin => Case.GetProperty("origin").GetString()!;

    public string RpId => Case.GetProperty("rpId").GetString()!;

    public int[] AllowedAlgorithms => [.. Case.GetProperty("policy").GetProperty("allowedAlgorithms").EnumerateArray().Select(a => a.GetInt32())];

    public byte[] Challenge => Bytes(Case.GetProperty("options").GetProperty("challenge"));

    public string CredentialJson => Case.GetProperty("credential").GetRawText();

    public JsonElement Expected => Case.GetProperty("expected");

    /// <summary>The user id as Identity keeps it: the string whose UTF-8 bytes are the WebAuthn user handle.</summary>
    public string RegistrationUserId => Encoding.UTF8.GetString(Bytes(Case.GetProperty("options").GetProperty("user").GetProperty("id")));

    public JsonElement StoredCredential => Case.GetProperty("storedCredential");

    public string OwnerId => Encoding.UTF8.GetString(Bytes(StoredCredential.GetProperty("userHandle")));

    public bool IsModal => Case.GetProperty("mediation").GetString() != "conditional";

    public override string ToString() => Id;

    public static byte[] Bytes(JsonElement base64Url) => Base64Url.DecodeFromChars(base64Url.GetString()!);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "vectors", "webauthn");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("shared/vectors/webauthn was not found above the test directory (it sits beside the repository).");
    }
}
