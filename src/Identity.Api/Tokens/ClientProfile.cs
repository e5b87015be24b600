using System.Text.Json;
using OpenIddict.Abstractions;

namespace Identity.Api.Tokens;

/// <summary>What the token service needs to know about a client when it issues a patient's tokens.</summary>
public sealed record ClientProfile(string ClientId, string DisplayName, string Sector, bool PublicSubject)
{
    public static async Task<ClientProfile?> FindAsync(IOpenIddictApplicationManager applications, string clientId, CancellationToken cancellationToken = default)
    {
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is not { } application)
        {
            return null;
        }
        var properties = await applications.GetPropertiesAsync(application, cancellationToken);
        return new ClientProfile(
            clientId,
            await applications.GetLocalizedDisplayNameAsync(application, cancellationToken) ?? clientId,
            properties.TryGetValue(ClientRegistry.SectorProperty, out var sector) && sector.ValueKind == JsonValueKind.String ? sector.GetString()! : clientId,
            properties.TryGetValue(ClientRegistry.PublicSubjectProperty, out var isPublic) && isPublic.ValueKind == JsonValueKind.True);
    }
}
