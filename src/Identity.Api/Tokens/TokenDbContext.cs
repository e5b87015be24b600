using Microsoft.EntityFrameworkCore;

namespace Identity.Api.Tokens;

/// <summary>OpenIddict's tables (applications, authorizations, scopes, tokens); one subclass per provider carries its migrations.</summary>
public abstract class TokenDbContext(DbContextOptions options) : DbContext(options);
