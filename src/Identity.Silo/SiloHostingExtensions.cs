using Identity.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Identity.Silo;

// TEMPORARY stub: replaced by the ADO.NET (SQLite/PostgreSQL) implementation.
public static class SiloHostingExtensions
{
    public static IHostApplicationBuilder AddIdentitySilo(this IHostApplicationBuilder builder)
    {
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering()
            .AddMemoryGrainStorage(GrainStorage.Name));
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }
}
