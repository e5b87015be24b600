using Identity.Api.Hosting;
using Identity.Api.Tokens;
using static Hl7.Fhir.Model.AuditEvent;

namespace Identity.Api.Apis;

/// <summary>
/// <c>/admin/clients</c> and <c>/admin/networks</c>: list, read, create or update (PUT), delete. Callers need an access
/// token with the <c>admin</c> scope (client credentials). Client secrets are write-only. Every change is audited before it
/// is made (<see cref="TokenAdminAudit"/>).
/// </summary>
public static class TokenAdminApi
{
    public static IEndpointRouteBuilder MapTokenAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").RequireAuthorization(TokenServiceHostingExtensions.AdminPolicy).WithTags("Token administration").DisableAntiforgery();

        admin.MapGet("/clients", async (ClientRegistry registry, CancellationToken ct) =>
            TypedResults.Ok((await registry.ListAsync(ct)).Select(WithoutSecret)));
        admin.MapGet("/clients/{clientId}", async Task<IResult> (string clientId, ClientRegistry registry, CancellationToken ct) =>
            await registry.FindAsync(clientId, ct) is { } client
                ? TypedResults.Ok(WithoutSecret(client))
                : Problems.NotFound("client_not_found", "No client has this client_id."));
        admin.MapPut("/clients/{clientId}", async Task<IResult> (string clientId, ClientRegistration client, ClientRegistry registry,
            TokenAdminAudit audit, HttpContext http, CancellationToken ct) =>
        {
            client = client with { ClientId = clientId };
            if (ClientRegistry.Problem(client) is { } problem)
            {
                return Problems.BadRequest("client_invalid", "The client registration is not valid.", problem);
            }
            await audit.ClientChangingAsync(http, clientId, await registry.FindAsync(clientId, ct) is null ? AuditEventAction.C : AuditEventAction.U);
            var created = await registry.UpsertAsync(client, ct);
            return created
                ? TypedResults.Created($"/admin/clients/{Uri.EscapeDataString(clientId)}", WithoutSecret(client))
                : TypedResults.Ok(WithoutSecret(client));
        });
        admin.MapDelete("/clients/{clientId}", async Task<IResult> (string clientId, ClientRegistry registry, TokenAdminAudit audit, HttpContext http, CancellationToken ct) =>
        {
            if (await registry.FindAsync(clientId, ct) is null)
            {
                return Problems.NotFound("client_not_found", "No client has this client_id.");
            }
            await audit.ClientChangingAsync(http, clientId, AuditEventAction.D);
            return await registry.DeleteAsync(clientId, ct) ? TypedResults.NoContent() : Problems.NotFound("client_not_found", "No client has this client_id.");
        });

        admin.MapGet("/networks", async (NetworkCatalog networks, CancellationToken ct) => TypedResults.Ok(await networks.ReloadAsync(ct)));
        admin.MapPut("/networks/{scope}", async Task<IResult> (string scope, NetworkRegistration network, ClientRegistry registry, NetworkCatalog networks,
            TokenAdminAudit audit, HttpContext http, CancellationToken ct) =>
        {
            network = network with { Scope = scope };
            if (!Uri.TryCreate(network.Resource, UriKind.Absolute, out _) || string.IsNullOrWhiteSpace(network.Name)
                || !System.Text.RegularExpressions.Regex.IsMatch(scope, "^[A-Za-z0-9:._-]{3,64}$"))
            {
                return Problems.BadRequest("network_invalid", "A network needs an absolute resource URI, a name and a scope of 3-64 letters, digits or :._-");
            }
            await audit.NetworkChangingAsync(http, scope, await networks.FindByScopeAsync(scope, ct) is null ? AuditEventAction.C : AuditEventAction.U);
            return await registry.UpsertNetworkAsync(network, ct)
                ? TypedResults.Created($"/admin/networks/{Uri.EscapeDataString(scope)}", network)
                : TypedResults.Ok(network);
        });
        admin.MapDelete("/networks/{scope}", async Task<IResult> (string scope, ClientRegistry registry, NetworkCatalog networks,
            TokenAdminAudit audit, HttpContext http, CancellationToken ct) =>
        {
            if (await networks.FindByScopeAsync(scope, ct) is null)
            {
                return Problems.NotFound("network_not_found", "No network has this scope.");
            }
            await audit.NetworkChangingAsync(http, scope, AuditEventAction.D);
            return await registry.DeleteNetworkAsync(scope, ct) ? TypedResults.NoContent() : Problems.NotFound("network_not_found", "No network has this scope.");
        });
        return app;
    }

    private static ClientRegistration WithoutSecret(ClientRegistration client) => client with { ClientSecret = null };
}
