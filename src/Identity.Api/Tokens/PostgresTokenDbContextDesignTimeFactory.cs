using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Identity.Api.Tokens;

/// <summary>Lets <c>dotnet ef migrations add … --context PostgresTokenDbContext</c> build the model without a database.</summary>
public sealed class PostgresTokenDbContextDesignTimeFactory : IDesignTimeDbContextFactory<PostgresTokenDbContext>
{
    public PostgresTokenDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresTokenDbContext>().UseNpgsql("Host=localhost").UseOpenIddict().Options);
}
