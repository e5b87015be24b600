using System.Collections.Concurrent;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Identity.Api.Tokens;

/// <summary>
/// What OpenIddict 7.8 does not check on <c>private_key_jwt</c> assertions (RFC 7523): a <c>jti</c> is required and
/// accepted once, and an assertion may live at most <see cref="MaximumLifetime"/> (PROFILES.md). OpenIddict has already
/// verified the signature, issuer, audience and expiry when this runs.
/// </summary>
public sealed class ClientAssertionPolicy(TimeProvider time) : IOpenIddictServerHandler<ProcessAuthenticationContext>
{
    public static readonly TimeSpan MaximumLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Skew = TimeSpan.FromSeconds(30);

    // jti → expiry. One process remembers its own; a cluster shares them through Redis (cluster issue).
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private long _lastSweep;

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessAuthenticationContext>()
            .AddFilter<OpenIddictServerHandlerFilters.RequireClientAssertionPrincipal>()
            .UseSingletonHandler<ClientAssertionPolicy>()
            // After OpenIddict has checked the assertion's signature, issuer, audience and expiry.
            .SetOrder(OpenIddictServerHandlers.ValidateClientAssertionIssuer.Descriptor.Order + 1500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessAuthenticationContext context)
    {
        var assertion = context.ClientAssertionPrincipal!;
        var now = time.GetUtcNow();
        var expires = assertion.GetExpirationDate();
        var issued = assertion.GetCreationDate();
        var jti = assertion.GetClaim(OpenIddictConstants.Claims.JwtId);
        if (string.IsNullOrEmpty(jti))
        {
            context.Reject(OpenIddictConstants.Errors.InvalidClient, "The client assertion has no 'jti' claim; RFC 7523 §3 requires one.");
            return ValueTask.CompletedTask;
        }
        if (expires is null || expires.Value - now > MaximumLifetime + Skew || issued is { } iat && expires.Value - iat > MaximumLifetime + Skew)
        {
            context.Reject(OpenIddictConstants.Errors.InvalidClient, "The client assertion lives longer than 5 minutes; shorten 'exp'.");
            return ValueTask.CompletedTask;
        }
        Sweep(now);
        var key = $"{assertion.GetClaim(OpenIddictConstants.Claims.Issuer)}\n{jti}";
        if (!_seen.TryAdd(key, expires.Value + Skew))
        {
            context.Reject(OpenIddictConstants.Errors.InvalidClient, "The client assertion was already used; make a new one with a fresh 'jti' for each request.");
        }
        return ValueTask.CompletedTask;
    }

    private void Sweep(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (now.ToUnixTimeSeconds() - last < 30 || Interlocked.CompareExchange(ref _lastSweep, now.ToUnixTimeSeconds(), last) != last)
        {
            return;
        }
        foreach (var (key, expiry) in _seen)
        {
            if (expiry < now)
            {
                _seen.TryRemove(key, out _);
            }
        }
    }
}
