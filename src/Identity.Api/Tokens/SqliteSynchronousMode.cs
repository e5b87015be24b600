using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Identity.Api.Tokens;

/// <summary>
/// Sets SQLite's <c>synchronous</c> pragma on every connection to the embedded token store (<c>Tokens:SqliteSynchronous</c>).
/// <c>FULL</c> (SQLite's default) syncs the WAL to disk on every commit, which caps token issuance at the disk's sync rate
/// (two commits per issued token); <c>NORMAL</c> syncs only at checkpoints: still consistent and durable across a process
/// crash, but an OS crash or power loss can undo the last commits, including a revocation (bench/RESULTS.md).
/// </summary>
public sealed class SqliteSynchronousMode(string mode) : DbConnectionInterceptor
{
    public static readonly IReadOnlySet<string> Modes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "FULL", "NORMAL" };

    private readonly string _pragma = Modes.Contains(mode)
        ? $"PRAGMA synchronous = {mode.ToUpperInvariant()};"
        : throw new InvalidOperationException($"Tokens:SqliteSynchronous must be FULL or NORMAL, not '{mode}'.");

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
