using Identity.Grains.Passkeys;

namespace Identity.Api.Passkeys;

/// <summary>The patient grain refused a passkey change; nothing was written.</summary>
public sealed class PasskeyChangeRefusedException(PasskeyChange change)
    : InvalidOperationException($"The passkey change was refused: {change}.")
{
    public PasskeyChange Change { get; } = change;
}
