using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Identity.Api.Hosting;
using Identity.Grains.Audit;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Identity.Api.Audit;

/// <summary>
/// The append-only audit table over plain ADO.NET (SQLite embedded, PostgreSQL in a cluster). Appends are written by one
/// writer per process in group commits (AuditStore.GroupCommit.cs) and serialized across processes by the (chain, sequence)
/// primary key: a writer that loses the race gets a unique violation, re-reads the head and tries again. The last head of
/// each chain is cached, so an append is one INSERT. Every store failure surfaces as <see cref="AuditUnavailableException"/>.
/// </summary>
public sealed partial class AuditStore : IAsyncDisposable
{
    private const int MaximumCachedHeads = 100_000;

    private const string Columns =
        "chain, sequence, recorded_ms, event_id, type, subtype, action, outcome, agents, entity_types, purposes, event, previous_hash, hash";

    private readonly AuditDatabase _database;
    private readonly ILogger<AuditStore> _logger;
    private readonly NpgsqlDataSource? _writer;
    private readonly NpgsqlDataSource? _owner;
    private readonly ConcurrentDictionary<Guid, AuditChainHead> _heads = new();
    private readonly SemaphoreSlim _installing = new(1, 1);
    private readonly GroupCommitQueue<PendingAppend> _appends;
    private volatile bool _installed;

    public AuditStore(AuditDatabase database, ILogger<AuditStore> logger)
    {
        _database = database;
        _logger = logger;
        _appends = new(WriteAppendsAsync, MaximumBatch);
        if (database.IsPostgres)
        {
            _writer = NpgsqlDataSource.Create(database.WriterConnectionString);
            _owner = NpgsqlDataSource.Create(database.OwnerConnectionString);
        }
    }

    public string Description => _database.Description;

    /// <summary>Installs the schema once; called at start-up and, if the store was down then, before the first use.</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_installed)
        {
            return;
        }
        await _installing.WaitAsync(cancellationToken);
        try
        {
            if (!_installed)
            {
                await Guard(() => AuditSchema.InstallAsync(_database, cancellationToken), "install the audit schema");
                _installed = true;
                LogInstalled(_database.Description);
            }
        }
        finally
        {
            _installing.Release();
        }
    }

    /// <summary>
    /// Appends an event to the chain its patient entity names (or the system chain) and returns the stored entry once it is
    /// committed. Appends waiting at the same moment are committed together (<see cref="WriteAppendsAsync"/>).
    /// </summary>
    public async Task<AuditEntry> AppendAsync(string eventJson, DateTimeOffset recorded, CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        var append = new PendingAppend(eventJson, recorded);
        _appends.Enqueue(append);
        try
        {
            return await append.Stored.Task.WaitAsync(_database.Timeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException && append.TryAbandon())
        {
            // Not taken by the writer yet (it is busy with a failing store): it never will be, so the caller may refuse.
            if (e is TimeoutException)
            {
                _failing = true;
                throw Unavailable("append the audit entry in time", e);
            }
            throw;
        }
        catch (TimeoutException)
        {
            // Taken already: its commit (bounded by the store's own timeouts) decides.
            return await append.Stored.Task;
        }
    }

    /// <summary>Before a read: the schema is there and what this process answered with a write-behind event is committed.</summary>
    private async Task ReadyToReadAsync(CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken);
        if (!await SettleAsync(_database.Timeout, cancellationToken))
        {
            // A read now would leave out events this instance answered: refuse rather than show an incomplete trail.
            throw Unavailable("store the events this instance answered before reading", new TimeoutException());
        }
    }

    public async Task<AuditChainReport> VerifyAsync(Guid chain, CancellationToken cancellationToken)
    {
        await ReadyToReadAsync(cancellationToken);
        var anchor = await Guard(() => ReadAnchorAsync(chain, cancellationToken), "read the chain anchor");
        var entries = await Guard(() => ReadChainAsync(chain, cancellationToken), "read the chain");
        return AuditChainVerifier.Verify(chain, anchor, entries);
    }

    /// <summary>Every chain that has entries or an anchor.</summary>
    public async Task<IReadOnlyList<Guid>> ChainsAsync(CancellationToken cancellationToken)
    {
        await ReadyToReadAsync(cancellationToken);
        return await Guard(async () =>
        {
            await using var connection = await OpenAsync(writer: true, cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT chain FROM audit_entries UNION SELECT chain FROM audit_anchors ORDER BY 1";
            var chains = new List<Guid>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                chains.Add(Guid.Parse(reader.GetString(0)));
            }
            return (IReadOnlyList<Guid>)chains;
        }, "list the chains");
    }

    public async Task<AuditSearchPage> SearchAsync(AuditEventQuery query, CancellationToken cancellationToken)
    {
        await ReadyToReadAsync(cancellationToken);
        return await Guard(async () =>
        {
            await using var connection = await OpenAsync(writer: true, cancellationToken);
            await using var count = connection.CreateCommand();
            var where = Where(count, query);
            count.CommandText = $"SELECT COUNT(*) FROM audit_entries{where}";
            var total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);

            await using var select = connection.CreateCommand();
            Where(select, query);
            Add(select, "limit", Math.Clamp(query.Count, 0, AuditEventQuery.MaximumCount));
            Add(select, "offset", Math.Max(0, query.Offset));
            select.CommandText = $"SELECT {Columns} FROM audit_entries{where} ORDER BY recorded_ms DESC, chain, sequence DESC LIMIT @limit OFFSET @offset";
            return new AuditSearchPage(await ReadEntriesAsync(select, cancellationToken), total);
        }, "search the audit trail");
    }

    public async Task<AuditEntry?> FindAsync(string eventId, CancellationToken cancellationToken)
    {
        await ReadyToReadAsync(cancellationToken);
        return await Guard(async () =>
        {
            await using var connection = await OpenAsync(writer: true, cancellationToken);
            return await FindEntryAsync(connection, eventId, cancellationToken);
        }, "read the audit entry");
    }

    /// <summary>The events recorded in [<paramref name="from"/>, <paramref name="before"/>), oldest first, one JSON text each (for NDJSON).</summary>
    public async IAsyncEnumerable<string> ExportAsync(DateTimeOffset from, DateTimeOffset before, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await ReadyToReadAsync(cancellationToken);
        DbConnection connection;
        DbDataReader reader;
        try
        {
            connection = await OpenAsync(writer: true, cancellationToken);
            var command = connection.CreateCommand();
            command.CommandText = "SELECT event FROM audit_entries WHERE recorded_ms >= @from AND recorded_ms < @before ORDER BY recorded_ms, chain, sequence";
            Add(command, "from", from.ToUnixTimeMilliseconds());
            Add(command, "before", before.ToUnixTimeMilliseconds());
            reader = await command.ExecuteReaderAsync(cancellationToken);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw Unavailable("export the audit trail", e);
        }
        await using (connection)
        await using (reader)
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                yield return reader.GetString(0);
            }
        }
    }

    /// <summary>
    /// Removes each chain's entries recorded before <paramref name="cutoff"/> (a prefix, see <see cref="AuditRetention"/>) and
    /// records the anchor. A chain that does not verify is left untouched and reported: purging would erase the evidence.
    /// </summary>
    public async Task<AuditPurgeReport> PurgeAsync(DateTimeOffset cutoff, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var anchors = new List<AuditAnchor>();
        var refused = new List<AuditChainReport>();
        long removed = 0;
        foreach (var chain in await ChainsAsync(cancellationToken))
        {
            // No append may interleave with a chain's purge.
            await _writing.WaitAsync(cancellationToken);
            try
            {
                var anchor = await Guard(() => ReadAnchorAsync(chain, cancellationToken), "read the chain anchor");
                var entries = await Guard(() => ReadChainAsync(chain, cancellationToken), "read the chain");
                var report = AuditChainVerifier.Verify(chain, anchor, entries);
                if (!report.Intact)
                {
                    refused.Add(report);
                    continue;
                }
                if (AuditRetention.AnchorAfterPurge(entries, cutoff, now) is not { } next)
                {
                    continue;
                }
                await Guard(() => RemovePrefixAsync(next, cancellationToken), "purge the chain");
                removed += entries.Count(e => e.Sequence <= next.Sequence);
                anchors.Add(next);
            }
            finally
            {
                _writing.Release();
            }
        }
        LogPurged(removed, anchors.Count, refused.Count);
        return new AuditPurgeReport(cutoff, removed, anchors, refused);
    }

    public async ValueTask DisposeAsync()
    {
        await DrainBehindAsync();
        await _appends.DisposeAsync();
        if (Behind > 0)
        {
            LogBehindLost(Behind, _database.Description);
        }
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
        if (_owner is not null)
        {
            await _owner.DisposeAsync();
        }
    }

    private static async Task<AuditChainHead> ReadHeadAsync(DbConnection connection, Guid chain, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT sequence, hash FROM audit_entries WHERE chain = @chain
            UNION ALL SELECT sequence, hash FROM audit_anchors WHERE chain = @chain
            ORDER BY 1 DESC LIMIT 1
            """;
        Add(command, "chain", chain.ToString("D"));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new AuditChainHead(chain, reader.GetInt64(0), (byte[])reader.GetValue(1))
            : AuditChainHead.Empty(chain);
    }

    private static async Task InsertAsync(DbConnection connection, DbTransaction? transaction, AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO audit_entries ({Columns})
            VALUES (@chain, @sequence, @recorded, @event_id, @type, @subtype, @action, @outcome, @agents, @entity_types, @purposes, @event, @previous_hash, @hash)
            """;
        Add(command, "chain", entry.Chain.ToString("D"));
        Add(command, "sequence", entry.Sequence);
        Add(command, "recorded", entry.Recorded.ToUnixTimeMilliseconds());
        Add(command, "event_id", entry.Index.EventId);
        Add(command, "type", entry.Index.Type);
        Add(command, "subtype", entry.Index.Subtype);
        Add(command, "action", entry.Index.Action);
        Add(command, "outcome", entry.Index.Outcome);
        Add(command, "agents", entry.Index.Agents);
        Add(command, "entity_types", entry.Index.EntityTypes);
        Add(command, "purposes", entry.Index.Purposes);
        Add(command, "event", entry.EventJson);
        Add(command, "previous_hash", entry.PreviousHash);
        Add(command, "hash", entry.Hash);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<AuditAnchor?> ReadAnchorAsync(Guid chain, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(writer: true, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence, hash, last_recorded_ms, purged_ms FROM audit_anchors WHERE chain = @chain";
        Add(command, "chain", chain.ToString("D"));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new AuditAnchor(chain, reader.GetInt64(0), (byte[])reader.GetValue(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))
            : null;
    }

    private async Task<List<AuditEntry>> ReadChainAsync(Guid chain, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(writer: true, cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM audit_entries WHERE chain = @chain ORDER BY sequence";
        Add(command, "chain", chain.ToString("D"));
        return await ReadEntriesAsync(command, cancellationToken);
    }

    private async Task RemovePrefixAsync(AuditAnchor anchor, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(writer: false, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO audit_purge_permit (id) VALUES (1);
            DELETE FROM audit_entries WHERE chain = @chain AND sequence <= @sequence;
            INSERT INTO audit_anchors (chain, sequence, hash, last_recorded_ms, purged_ms) VALUES (@chain, @sequence, @hash, @last, @purged)
            ON CONFLICT (chain) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash,
                last_recorded_ms = excluded.last_recorded_ms, purged_ms = excluded.purged_ms;
            DELETE FROM audit_purge_permit;
            """;
        Add(command, "chain", anchor.Chain.ToString("D"));
        Add(command, "sequence", anchor.Sequence);
        Add(command, "hash", anchor.Hash);
        Add(command, "last", anchor.LastPurgedRecorded.ToUnixTimeMilliseconds());
        Add(command, "purged", anchor.PurgedAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
        await using var counted = connection.CreateCommand();
        counted.Transaction = transaction;
        counted.CommandText = "SELECT COUNT(*) FROM audit_entries WHERE chain = @chain AND sequence <= @sequence";
        Add(counted, "chain", anchor.Chain.ToString("D"));
        Add(counted, "sequence", anchor.Sequence);
        if (Convert.ToInt64(await counted.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) != 0)
        {
            throw new InvalidOperationException("The purge left entries before its anchor.");
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<List<AuditEntry>> ReadEntriesAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<AuditEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var chain = Guid.Parse(reader.GetString(0));
            entries.Add(new AuditEntry
            {
                Chain = chain,
                Sequence = reader.GetInt64(1),
                Recorded = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                Index = new AuditEventIndex(reader.GetString(3), chain, reader.GetString(4), reader.GetString(5), reader.GetString(6),
                    reader.GetString(7), reader.GetString(8), reader.GetString(9), reader.GetString(10)),
                EventJson = reader.GetString(11),
                PreviousHash = (byte[])reader.GetValue(12),
                Hash = (byte[])reader.GetValue(13),
            });
        }
        return entries;
    }

    private string Where(DbCommand command, AuditEventQuery query)
    {
        var conditions = new List<string>();
        var contains = _database.IsPostgres ? "strpos" : "instr";
        if (query.Patient is { } patient)
        {
            conditions.Add("chain = @chain");
            Add(command, "chain", patient.ToString("D"));
        }
        void Equal(string column, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                conditions.Add($"{column} = @{column}");
                Add(command, column, value);
            }
        }
        void Contains(string column, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                conditions.Add($"{contains}({column}, @{column}) > 0");
                Add(command, column, AuditEventIndex.Item(value));
            }
        }
        Equal("action", query.Action);
        Equal("outcome", query.Outcome);
        Equal("type", query.Type);
        Contains("agents", query.Agent);
        Contains("entity_types", query.EntityType);
        Contains("purposes", query.Purpose);
        if (query.From is { } from)
        {
            conditions.Add("recorded_ms >= @from");
            Add(command, "from", from.ToUnixTimeMilliseconds());
        }
        if (query.Before is { } before)
        {
            conditions.Add("recorded_ms < @before");
            Add(command, "before", before.ToUnixTimeMilliseconds());
        }
        if (query.Snapshot is { } snapshot)
        {
            conditions.Add("recorded_ms <= @snapshot");
            Add(command, "snapshot", snapshot.ToUnixTimeMilliseconds());
        }
        return conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
    }

    private async Task<DbConnection> OpenAsync(bool writer, CancellationToken cancellationToken)
    {
        if (_database.IsPostgres)
        {
            return await (writer ? _writer! : _owner!).OpenConnectionAsync(cancellationToken);
        }
        var connection = new SqliteConnection(_database.WriterConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private async Task<T> Guard<T>(Func<Task<T>> work, string what)
    {
        try
        {
            return await work();
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw Unavailable(what, e);
        }
    }

    private async Task Guard(Func<Task> work, string what)
    {
        try
        {
            await work();
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw Unavailable(what, e);
        }
    }

    private AuditUnavailableException Unavailable(string what, Exception e)
    {
        if (!IsUniqueViolation(e))
        {
            LogUnavailable(what, _database.Description, e.GetType().Name, Shorten(e.Message));
        }
        return new AuditUnavailableException($"Could not {what} in {_database.Description}.", e);
    }

    private static bool IsStoreFailure(Exception e) =>
        e is DbException or TimeoutException or SocketException or IOException or UnauthorizedAccessException
        || (e is InvalidOperationException && e.InnerException is DbException or SocketException or TimeoutException);

    private static bool IsUniqueViolation(Exception? e) => e switch
    {
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 1555 or 2067,
        _ => false,
    };

    private static string Shorten(string message) => message.Length <= 200 ? message : string.Concat(message.AsSpan(0, 200), "…");

    [LoggerMessage(2001, LogLevel.Information, "Audit schema is up to date in {Database}")]
    private partial void LogInstalled(string database);

    [LoggerMessage(2002, LogLevel.Error, "Audit store unavailable: could not {What} in {Database} ({Error}: {Message})")]
    private partial void LogUnavailable(string what, string database, string error, string message);

    [LoggerMessage(2003, LogLevel.Debug, "Another writer appended to audit chain {Chain}; retrying (attempt {Attempt})")]
    private partial void LogChainRace(string chain, int attempt);

    [LoggerMessage(2004, LogLevel.Information, "Audit purge removed {Entries} entries and anchored {Chains} chains; {Refused} broken chains left untouched")]
    private partial void LogPurged(long entries, int chains, int refused);
}
