using Identity.Silo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// A silo on its own (cluster mode); configured by appsettings.json and the environment,
// e.g. ConnectionStrings__Postgres, Orleans__ClusterId, Orleans__AdvertisedIPAddress, Enrollment__PiiKey.
var builder = Host.CreateApplicationBuilder(args);
builder.AddIdentitySilo();
if (PersonalDataKeys.FromConfiguration(builder.Configuration) is { } protector)
{
    builder.Services.AddSingleton(protector);
}
await builder.Build().RunAsync();
