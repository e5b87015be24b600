using Microsoft.EntityFrameworkCore;

namespace Identity.Api.Tokens;

/// <summary>Embedded mode: a SQLite file beside the grain database.</summary>
public sealed class SqliteTokenDbContext(DbContextOptions<SqliteTokenDbContext> options) : TokenDbContext(options);
