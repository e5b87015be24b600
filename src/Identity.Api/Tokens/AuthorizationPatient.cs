using Identity.Api.Apis;
using OpenIddict.Abstractions;

namespace Identity.Api.Tokens;

/// <summary>The patient who granted an OpenIddict authorization: its <see cref="ConnectApi.PatientProperty"/>, set at consent.</summary>
public static class AuthorizationPatient
{
    public static async ValueTask<Guid?> PatientOfAsync(this IOpenIddictAuthorizationManager authorizations, object authorization,
        CancellationToken cancellationToken = default)
    {
        var properties = await authorizations.GetPropertiesAsync(authorization, cancellationToken);
        return properties.TryGetValue(ConnectApi.PatientProperty, out var value) && Guid.TryParse(value.GetString(), out var patient) ? patient : null;
    }

    /// <summary>As above for an authorization id; null when there is no such authorization.</summary>
    public static async ValueTask<Guid?> PatientOfAsync(this IOpenIddictAuthorizationManager authorizations, string authorizationId,
        CancellationToken cancellationToken = default) =>
        await authorizations.FindByIdAsync(authorizationId, cancellationToken) is { } authorization
            ? await authorizations.PatientOfAsync(authorization, cancellationToken)
            : null;
}
