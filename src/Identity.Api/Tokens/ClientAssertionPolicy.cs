using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Identity.Api.Tokens;

/// <summary>
/// What OpenIddict 7.8 does not check on <c>private_key_jwt</c> assertions (RFC 7523): a <c>jti</c> is required and
/// accepted once, and an assertion may live at most <see cref="MaximumLifetime"/> (PROFILES.md). OpenIddict has already
/// verified the signature, issuer, audience and expiry when this runs. Used assertions are remembered by
/// <see cref="IClientAssertionLedger"/>: in memory on one instance, in Redis across a cluster (an assertion replayed
/// against another instance is refused; with Redis unreachable the request gets 503 rather than a second use).
/// </summary>
public sealed class ClientAssertionPolicy(TimeProvider time, IClientAssertionLedger ledger) : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    public static readonly TimeSpan MaximumLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireClientAssertionPrincipal>()
            .UseSingletonHandler<ClientAssertionPolicy>()
            // After OpenIddict has checked the assertion's signature, issuer, audience and expiry.
            .SetOrder(OpenIddictServerHandlers.ValidateClientAssertionIssuer.Descriptor.Order + 1500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        var assertion = context.ClientAssertionPrincipal!;
        var now = time.GetUtcNow();
        var expires = assertion.GetExpirationDate();
        var issued = assertion.GetCreationDate();
        var jti = assertion.GetClaim(OpenIddictConstants.Claims.JwtId);
        if (string.IsNullOrEmpty(jti))
        {
            context.Reject(OpenIddictConstants.Errors.InvalidClient, "The client assertion has no 'jti' claim; RFC 7523 §3 requires one.");
            return;
        }
        if (expires is null || expires.Value - now > MaximumLifetime + Skew || issued is { } iat && expires.Value - iat > MaximumLifetime + Skew)
        {
            context.Reject(OpenIddictConstants.Errors.InvalidClient, "The client assertion lives longer than 5 minutes; shorten 'exp'.");
            return;
        }
        var key = $"{assertion.GetClaim(OpenIddictConstants.Claims.Issuer)}\n{jti}";
        if (!await ledger.TryUseAsync(key, expires.Value + Skew))
        {
            context.Reject(OpenIddictConstants.Errors.InvalidClient, "The client assertion was already used; make a new one with a fresh 'jti' for each request.");
        }
    }
}
