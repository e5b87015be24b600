using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Passkeys;

/// <summary>
/// The signed-in session of a patient: who, when they last proved possession of a passkey, and how (RFC 8176 amr).
/// Limits follow PROFILES.md: 30 minutes idle, 12 hours since sign-in, 15 minutes for sensitive changes.
/// </summary>
public static class PatientSession
{
    public const string AuthTimeClaim = "auth_time";
    public const string AmrClaim = "amr";
    public const string Aal2Amr = "http://udap.org/code/auth/aal2";

    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan MaximumAge = TimeSpan.FromHours(12);
    public static readonly TimeSpan FreshnessForChanges = TimeSpan.FromMinutes(15);

    /// <summary>Claims recorded at sign-in; a synced (backup eligible) passkey is a software key, a device-bound one a hardware key.</summary>
    public static IEnumerable<Claim> SignInClaims(UserPasskeyInfo passkey, DateTimeOffset now) =>
    [
        new(AuthTimeClaim, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
        new(AmrClaim, passkey.IsBackupEligible ? "swk" : "hwk"),
        new(AmrClaim, "user"),
        new(AmrClaim, "mfa"),
        new(AmrClaim, Aal2Amr),
    ];

    public static DateTimeOffset? AuthTime(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(AuthTimeClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static bool IsFresh(ClaimsPrincipal principal, DateTimeOffset now) =>
        AuthTime(principal) is { } at && now - at <= FreshnessForChanges;

    public static Guid? PersonIdentifier(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    /// <summary>Ends sessions older than <see cref="MaximumAge"/> even while they stay active.</summary>
    public static Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var time = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>();
        if (context.Principal is null || AuthTime(context.Principal) is not { } at || time.GetUtcNow() - at > MaximumAge)
        {
            context.RejectPrincipal();
            return context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        }
        return Task.CompletedTask;
    }
}
