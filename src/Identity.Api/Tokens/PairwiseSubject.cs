using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Identity.Api.Tokens;

/// <summary>
/// Subject identifiers (OIDC Core §8): pairwise per sector by default, so two apps cannot link a patient by <c>sub</c>;
/// a public one for clients configured with <see cref="ClientRegistration.PublicSubject"/>. Both are keyed hashes of the
/// patient id, so neither reveals the <c>hl7_person_identifier</c>.
/// </summary>
public sealed class PairwiseSubject(byte[] secret)
{
    public const string SecretFileName = "pairwise-secret.key";
    private const string PublicSector = "urn:identityconsent:public";

    public string For(Guid patientId, string? sector) =>
        Hash($"{sector ?? PublicSector}\n{patientId:D}");

    public string Public(Guid patientId) => For(patientId, null);

    /// <summary>A session id (<c>sid</c>) that names one passkey sign-in without revealing who or when.</summary>
    public string Session(Guid patientId, long authTime) => Hash($"sid\n{patientId:D}\n{authTime}")[..22];

    private string Hash(string value) => Base64UrlEncoder.Encode(HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(value)));

    public static PairwiseSubject Load(TokenSettings settings, IHostEnvironment environment, string dataFolder)
    {
        if (!string.IsNullOrWhiteSpace(settings.PairwiseSecret))
        {
            var bytes = Convert.FromBase64String(settings.PairwiseSecret);
            return bytes.Length >= 32 ? new PairwiseSubject(bytes)
                : throw new InvalidOperationException("Tokens:PairwiseSecret must hold at least 32 bytes (base64).");
        }
        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException("Tokens:PairwiseSecret is not set: give 32 random bytes as base64 (Tokens__PairwiseSecret).");
        }
        var path = Path.Combine(dataFolder, SecretFileName);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(dataFolder);
            File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }
        return new PairwiseSubject(Convert.FromBase64String(File.ReadAllText(path).Trim()));
    }
}
