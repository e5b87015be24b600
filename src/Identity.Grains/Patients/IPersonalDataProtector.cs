namespace Identity.Grains.Patients;

/// <summary>
/// Encrypts a patient's personal data before it reaches grain storage (names, birth date, document details), bound to
/// the patient it belongs to so a sealed value cannot be moved to another patient. The silo must register one;
/// without it a patient grain refuses to record a verified identity rather than store it in the clear.
/// </summary>
public interface IPersonalDataProtector
{
    byte[] Protect(ReadOnlySpan<byte> plaintext, Guid patient);

    /// <summary>Throws <see cref="System.Security.Cryptography.CryptographicException"/> when the data was altered, belongs to another patient or its key is unknown.</summary>
    byte[] Unprotect(ReadOnlySpan<byte> sealedData, Guid patient);
}
