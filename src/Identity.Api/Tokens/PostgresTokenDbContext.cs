using Microsoft.EntityFrameworkCore;

namespace Identity.Api.Tokens;

/// <summary>Cluster mode: the cluster's PostgreSQL database.</summary>
public sealed class PostgresTokenDbContext(DbContextOptions<PostgresTokenDbContext> options) : TokenDbContext(options);
