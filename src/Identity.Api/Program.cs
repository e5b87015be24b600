using Identity.Api.Apis;
using Identity.Api.Audit;
using Identity.Api.Commands;
using Identity.Api.Consent;
using Identity.Api.Enrollment;
using Identity.Api.Hosting;
using Identity.Api.Passkeys;
using Identity.Api.SharedState;
using Identity.Api.Tokens;
using Identity.Silo;

if (await OperatorCommands.TryRunAsync(args, Console.Out) is { } exitCode)
{
    return exitCode;
}

var builder = WebApplication.CreateBuilder(args);

builder.AddIdentitySilo();
builder.AddOperations();
builder.AddSharedState();
builder.AddPatientPasskeys();
builder.AddTokenService();
builder.AddAuditTrail();
builder.AddConsent();
builder.AddEnrollment();

var app = builder.Build();

app.UseOperations();
app.MapOperations();
app.MapPatientAccountPages();
app.MapConnect();
app.MapAudit();
app.MapConsent();
app.MapEnrollment();

await app.RunAsync();
return 0;

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
