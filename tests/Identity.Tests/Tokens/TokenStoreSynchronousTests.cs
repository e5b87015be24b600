using Identity.Api.Tokens;
using Identity.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Identity.Tests.Tokens;

/// <summary><c>Tokens:SqliteSynchronous</c>: FULL unless NORMAL is asked for, applied to every token store connection.</summary>
public sealed class TokenStoreSynchronousTests
{
    [Theory]
    [InlineData(null, 2L)]
    [InlineData("NORMAL", 1L)]
    public async Task Token_store_connections_use_the_configured_synchronous_mode(string? mode, long expected)
    {
        await using var factory = new IdentityApiFactory();
        if (mode is not null)
        {
            factory.Settings["Tokens:SqliteSynchronous"] = mode;
        }
        _ = factory.Server;
        await using var scope = factory.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<TokenDbContext>();
        await database.Database.OpenConnectionAsync();
        await using var command = database.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA synchronous;";
        Assert.Equal(expected, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public void Unknown_mode_is_refused() =>
        Assert.Throws<InvalidOperationException>(() => new SqliteSynchronousMode("OFF"));
}
