namespace Identity.Tests.Infrastructure;

/// <summary>
/// Services started by <c>./scripts/test.sh</c> (a throw-away PostgreSQL 15 and Redis on
/// 127.0.0.1) and the Chromium binary used by Playwright, read from environment variables.
/// </summary>
public static class TestEnvironment
{
    private const string PostgresVariable = "IDENTITY_TEST_POSTGRES";
    private const string RedisVariable = "IDENTITY_TEST_REDIS";
    private const string ChromiumVariable = "IDENTITY_TEST_CHROMIUM";

    /// <summary>Npgsql connection string of the server (database <c>postgres</c>, user <c>postgres</c>).</summary>
    public static string Postgres => Required(PostgresVariable);

    /// <summary>Redis endpoint as <c>host:port</c>.</summary>
    public static string Redis => Required(RedisVariable);

    /// <summary>Chromium executable for Playwright's <c>ExecutablePath</c>.</summary>
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run ./scripts/test.sh");
}
