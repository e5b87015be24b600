using System.Security.Cryptography;

namespace Identity.Api.Enrollment;

/// <summary>
/// The enrolment keys: from configuration, or (Development only) generated once and kept in the data folder so
/// that restarts still open sealed data and still recognise enrolled documents.
/// </summary>
public static class EnrollmentSecrets
{
    public const string PiiKeyFileName = "enrollment-pii.key";
    public const string DocumentIndexKeyFileName = "enrollment-document-index.key";

    public static byte[] Load(string? configured, string settingName, int minimumBytes, IHostEnvironment environment, string dataFolder, string fileName)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Decode(configured, settingName, minimumBytes);
        }
        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"{settingName} is not set: give {minimumBytes} random bytes as base64 ({settingName.Replace(":", "__", StringComparison.Ordinal)}).");
        }
        var path = Path.Combine(dataFolder, fileName);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(dataFolder);
            File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(minimumBytes)));
        }
        return Decode(File.ReadAllText(path).Trim(), path, minimumBytes);
    }

    public static byte[] Decode(string value, string settingName, int minimumBytes)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{settingName} is not base64.");
        }
        return bytes.Length >= minimumBytes ? bytes
            : throw new InvalidOperationException($"{settingName} must hold at least {minimumBytes} bytes (base64).");
    }
}
