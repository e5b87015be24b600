using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Identity.Api.Tokens;

/// <summary>
/// Checks the scopes and resources of authorization, pushed authorization and token requests against the in-memory
/// catalogue instead of OpenIddict's per-request database look-ups: a resource must be a registered network
/// (else <c>invalid_target</c>, RFC 8707), a scope must be known (else <c>invalid_scope</c>) and allowed for the client,
/// where a SMART scope covers narrower ones. OpenIddict still checks each resource against the client's permissions.
/// </summary>
public sealed class RequestPolicy(NetworkCatalog networks, IOpenIddictApplicationManager applications) :
    IOpenIddictServerHandler<ValidateAuthorizationRequestContext>,
    IOpenIddictServerHandler<ValidatePushedAuthorizationRequestContext>,
    IOpenIddictServerHandler<ValidateTokenRequestContext>
{
    public static IEnumerable<OpenIddictServerHandlerDescriptor> Descriptors { get; } =
    [
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateAuthorizationRequestContext>()
            .UseScopedHandler<RequestPolicy>()
            .SetOrder(OpenIddictServerHandlers.Authentication.ValidateScopes.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidatePushedAuthorizationRequestContext>()
            .UseScopedHandler<RequestPolicy>()
            .SetOrder(OpenIddictServerHandlers.Authentication.ValidatePushedScopes.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom).Build(),
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenRequestContext>()
            .UseScopedHandler<RequestPolicy>()
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateScopes.Descriptor.Order)
            .SetType(OpenIddictServerHandlerType.Custom).Build(),
    ];

    public async ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
    {
        if (await RefusalAsync(context.ClientId, context.Request, checkScopes: true) is { } refusal)
        {
            context.Reject(refusal.Error, refusal.Description);
        }
    }

    public async ValueTask HandleAsync(ValidatePushedAuthorizationRequestContext context)
    {
        if (await RefusalAsync(context.ClientId, context.Request, checkScopes: true) is { } refusal)
        {
            context.Reject(refusal.Error, refusal.Description);
        }
    }

    public async ValueTask HandleAsync(ValidateTokenRequestContext context)
    {
        // Code and refresh grants may only narrow what was granted; OpenIddict checks that against the grant itself.
        var checkScopes = context.Request.IsClientCredentialsGrantType() || context.Request.IsTokenExchangeGrantType();
        if (await RefusalAsync(context.ClientId, context.Request, checkScopes) is { } refusal)
        {
            context.Reject(refusal.Error, refusal.Description);
        }
    }

    private async ValueTask<(string Error, string Description)?> RefusalAsync(string? clientId, OpenIddictRequest request, bool checkScopes)
    {
        foreach (var resource in request.GetResources())
        {
            if (await networks.FindByResourceAsync(resource) is null)
            {
                return (Errors.InvalidTarget, $"The resource '{resource}' is not a registered network.");
            }
        }
        var scopes = request.GetScopes();
        if (!checkScopes || scopes.Length == 0)
        {
            return null;
        }
        if (await AllowedScopesAsync(clientId) is not { } allowed)
        {
            return (Errors.InvalidClient, "The client is not registered.");
        }
        foreach (var scope in scopes)
        {
            if (!TokenScopes.Static.Contains(scope) && SmartScope.Parse(scope) is null && await networks.FindByScopeAsync(scope) is null)
            {
                return (Errors.InvalidScope, $"The scope '{scope}' is not supported.");
            }
            if (!TokenScopes.IsAllowed(scope, allowed))
            {
                return (Errors.InvalidScope, $"This client may not ask for the scope '{scope}'.");
            }
        }
        return null;
    }

    /// <summary>The scopes the client may ask for; none for a request without client_id, null for an unknown client.</summary>
    private async ValueTask<IReadOnlyCollection<string>?> AllowedScopesAsync(string? clientId)
    {
        if (string.IsNullOrEmpty(clientId))
        {
            return [];
        }
        if (await applications.FindByClientIdAsync(clientId) is not { } application)
        {
            return null;
        }
        var permissions = await applications.GetPermissionsAsync(application);
        return [.. permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
            .Select(p => p[Permissions.Prefixes.Scope.Length..])];
    }
}
