using System.Security.Claims;
using Identity.Api.Audit;
using Identity.Grains.Audit;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static Hl7.Fhir.Model.AuditEvent;

namespace Identity.Api.Tokens;

/// <summary>Records an admin API change to a client or network before it is made (503 <c>audit_unavailable</c> and no change otherwise).</summary>
public sealed class TokenAdminAudit(IAuditTrail trail, IOptions<AuditSettings> settings, TimeProvider time)
{
    public Task ClientChangingAsync(HttpContext http, string clientId, AuditEventAction action) =>
        RecordAsync(http, BalpCodes.ClientIdentifierSystem, clientId, action);

    public Task NetworkChangingAsync(HttpContext http, string scope, AuditEventAction action) =>
        RecordAsync(http, BalpCodes.NetworkIdentifierSystem, scope, action);

    private async Task RecordAsync(HttpContext http, string system, string id, AuditEventAction action)
    {
        var admin = http.User.GetClaim(OpenIddictConstants.Claims.ClientId) ?? http.User.FindFirstValue(OpenIddictConstants.Claims.Subject);
        var context = new AuditContext(settings.Value.Site, http.Connection.RemoteIpAddress?.ToString(), time.GetUtcNow());
        await trail.RecordAsync(TokenAuditEvents.ConfigurationChanged(context, admin, action, system, id, $"{http.Request.Method} {http.Request.Path}"),
            http.RequestAborted);
    }
}
