using Identity.Silo;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddIdentitySilo();
await builder.Build().RunAsync();
