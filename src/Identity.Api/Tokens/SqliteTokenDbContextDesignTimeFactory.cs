using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Identity.Api.Tokens;

/// <summary>Lets <c>dotnet ef migrations add … --context SqliteTokenDbContext</c> build the model without starting the service.</summary>
public sealed class SqliteTokenDbContextDesignTimeFactory : IDesignTimeDbContextFactory<SqliteTokenDbContext>
{
    public SqliteTokenDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteTokenDbContext>().UseSqlite("Data Source=design.db").UseOpenIddict().Options);
}
