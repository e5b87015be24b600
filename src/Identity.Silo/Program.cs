using Identity.Silo;
using Microsoft.Extensions.Hosting;

// A silo on its own (cluster mode); configured by appsettings.json and the environment,
// e.g. ConnectionStrings__Postgres, Orleans__ClusterId, Orleans__AdvertisedIPAddress.
var builder = Host.CreateApplicationBuilder(args);
builder.AddIdentitySilo();
await builder.Build().RunAsync();
