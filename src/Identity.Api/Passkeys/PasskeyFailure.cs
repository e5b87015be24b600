using Identity.Api.Hosting;
using Identity.Grains.Passkeys;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Passkeys;

/// <summary>Maps a refused WebAuthn ceremony or passkey change to its problem response and stable code.</summary>
public static class PasskeyFailure
{
    // Identity reports failures only as messages; each known message maps to one stable code.
    private static readonly (string Fragment, string Code)[] MessageCodes =
    [
        ("already been used", "passkey_challenge_reused"),
        ("predates the service's challenge memory", "passkey_ceremony_stale"),
        ("already registered", "passkey_already_registered"),
        ("no passkey ceremony in progress", "passkey_ceremony_missing"),
        ("invalid origin", "passkey_origin_mismatch"),
        ("challenge does not match", "passkey_challenge_mismatch"),
        ("'type' field", "passkey_wrong_ceremony_type"),
        ("client data JSON had an invalid format", "passkey_malformed_client_data"),
        ("Relying Party ID hash", "passkey_rp_id_mismatch"),
        ("User verification is required", "passkey_user_verification_required"),
        ("'UserPresent' flag", "passkey_user_presence_required"),
        ("attestation object had an invalid format", "passkey_malformed_attestation"),
        ("supported algorithms", "passkey_algorithm_not_allowed"),
        ("signature was invalid", "passkey_signature_invalid"),
        ("signature counter", "passkey_sign_count_regressed"),
        ("does not belong to the specified user", "passkey_unknown_credential"),
        ("could not be found", "passkey_unknown_credential"),
        ("user handle", "passkey_user_handle_mismatch"),
        ("backup", "passkey_backup_flags_invalid"),
        ("BackupEligible", "passkey_backup_flags_invalid"),
        ("public key was invalid", "passkey_public_key_invalid"),
        ("invalid format", "passkey_malformed_credential"),
    ];

    public static string CodeFor(PasskeyException failure) =>
        MessageCodes.FirstOrDefault(m => failure.Message.Contains(m.Fragment, StringComparison.OrdinalIgnoreCase)).Code
        ?? "passkey_rejected";

    public static IResult Rejected(PasskeyException failure) => CodeFor(failure) is var code && code == "passkey_already_registered"
        ? Problems.Conflict(code, "This passkey is already registered to an account.", failure.Message)
        : Problems.BadRequest(code, "The passkey response was rejected.", failure.Message);

    public static IResult Refused(PasskeyChange change) => change switch
    {
        PasskeyChange.CredentialTakenByAnotherPatient => Problems.Conflict("passkey_already_registered",
            "This passkey is already registered to another account."),
        PasskeyChange.SignCountRegressed => Problems.BadRequest("passkey_sign_count_regressed",
            "The authenticator's signature counter did not increase; the authenticator may have been cloned."),
        PasskeyChange.BackupEligibilityChanged => Problems.BadRequest("passkey_backup_flags_invalid",
            "The credential's backup eligibility changed since registration."),
        PasskeyChange.LastPasskey => Problems.Conflict("last_passkey",
            "This is your only passkey; add another one before removing it."),
        PasskeyChange.PasskeyRevoked => Problems.BadRequest("passkey_revoked", "This passkey was removed and can no longer be used."),
        PasskeyChange.PasskeyNotFound => Problems.NotFound("passkey_not_found", "No such passkey on this account."),
        PasskeyChange.PatientNotFound => Problems.NotFound("patient_not_found", "The account does not exist."),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
    };
}
