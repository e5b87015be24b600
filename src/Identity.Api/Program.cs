using Identity.Api.Hosting;
using Identity.Api.Passkeys;
using Identity.Silo;

var builder = WebApplication.CreateBuilder(args);

builder.AddIdentitySilo();
builder.AddOperations();
builder.AddPatientPasskeys();

var app = builder.Build();

app.UseOperations();
app.MapOperations();
app.MapPatientAccountPages();

app.Run();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
