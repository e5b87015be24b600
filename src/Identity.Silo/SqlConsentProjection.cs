using System.Collections.Immutable;
using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using Identity.Grains.Consent;

namespace Identity.Silo;

/// <summary>
/// The consent query projection in the grain-storage database (<c>Sql/*-ConsentProjection.sql</c>), in plain ADO.NET:
/// SQLite (WAL, set by <see cref="SqlSchemaInstaller"/>) or PostgreSQL (the pool <see cref="SiloDatabase"/> caps). The same
/// statements serve both; only the patient id differs (uuid in PostgreSQL, GUID text in SQLite). Every value a caller
/// gives is a parameter, never part of the SQL text. Instants are stored as UTC ticks.
/// </summary>
public sealed class SqlConsentProjection(SiloDatabase database) : IConsentProjection
{
    private const string Visible = "p.version_id > 0";

    public async Task<bool> ClaimAsync(string consentId, Guid patient, int versionId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, """
            INSERT INTO consent_projection (consent_id, patient_id, pending_version, pending_since)
            VALUES (@id, @patient, @version, @at)
            ON CONFLICT (consent_id) DO UPDATE SET
                pending_version = CASE WHEN consent_projection.pending_version IS NULL OR consent_projection.pending_version < excluded.pending_version
                    THEN excluded.pending_version ELSE consent_projection.pending_version END,
                pending_since = COALESCE(consent_projection.pending_since, excluded.pending_since)
            WHERE consent_projection.patient_id = excluded.patient_id
            RETURNING version_id
            """);
        Add(command, "id", consentId);
        Add(command, "patient", Patient(patient));
        Add(command, "version", versionId);
        Add(command, "at", at.UtcTicks);
        // No row comes back when the id exists with another patient: the update's WHERE refused it.
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    public async Task ProjectAsync(ConsentProjectionRow row, IReadOnlyCollection<ConsentVersion> versions, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int changed;
        await using (var upsert = Command(connection, """
            INSERT INTO consent_projection (consent_id, patient_id, version_id, status, last_updated, date_first, date_after_last)
            VALUES (@id, @patient, @version, @status, @updated, @first, @after)
            ON CONFLICT (consent_id) DO UPDATE SET
                version_id = excluded.version_id,
                status = excluded.status,
                last_updated = excluded.last_updated,
                date_first = excluded.date_first,
                date_after_last = excluded.date_after_last,
                pending_since = CASE WHEN consent_projection.pending_version <= excluded.version_id THEN NULL ELSE consent_projection.pending_since END,
                pending_version = CASE WHEN consent_projection.pending_version <= excluded.version_id THEN NULL ELSE consent_projection.pending_version END
            WHERE consent_projection.version_id <= excluded.version_id AND consent_projection.patient_id = excluded.patient_id
            """, transaction))
        {
            Add(upsert, "id", row.ConsentId);
            Add(upsert, "patient", Patient(row.Patient));
            Add(upsert, "version", row.VersionId);
            Add(upsert, "status", row.Values.Status);
            Add(upsert, "updated", row.LastUpdated.UtcTicks);
            Add(upsert, "first", row.Values.DateFirst?.UtcTicks, DbType.Int64);
            Add(upsert, "after", row.Values.DateAfterLast?.UtcTicks, DbType.Int64);
            changed = await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        // Nothing changed: the row holds a newer version already, whose values must stay.
        if (changed > 0)
        {
            await ReplaceValuesAsync(connection, transaction, "consent_projection_actor", "actor", row.ConsentId, row.Values.Actors, cancellationToken);
            await ReplaceValuesAsync(connection, transaction, "consent_projection_purpose", "purpose", row.ConsentId, row.Values.Purposes, cancellationToken);
        }
        foreach (var batch in versions.Chunk(200))
        {
            await using var insert = Command(connection, "", transaction);
            var sql = new StringBuilder("INSERT INTO consent_projection_version (consent_id, version_id, patient_id, recorded_at) VALUES ");
            Add(insert, "patient", Patient(row.Patient));
            for (var i = 0; i < batch.Length; i++)
            {
                sql.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ", ")}(@id{i}, @version{i}, @patient, @at{i})");
                Add(insert, $"id{i}", batch[i].ConsentId);
                Add(insert, $"version{i}", batch[i].VersionId);
                Add(insert, $"at{i}", batch[i].RecordedAt.UtcTicks);
            }
            insert.CommandText = sql.Append(" ON CONFLICT (consent_id, version_id) DO NOTHING").ToString();
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task SettleAsync(Guid patient, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection,
            "UPDATE consent_projection SET pending_version = NULL, pending_since = NULL WHERE patient_id = @patient AND pending_version IS NOT NULL");
        Add(command, "patient", Patient(patient));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Guid?> PatientOfAsync(string consentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "SELECT patient_id FROM consent_projection WHERE consent_id = @id");
        Add(command, "id", consentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetGuid(0) : null;
    }

    public async Task<ConsentProjectionPage> SearchAsync(ConsentProjectionQuery query, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var where = new StringBuilder(Visible);
        var parameters = new List<(string Name, object Value)>();
        Any(where, parameters, "p.status IN ({0})", "status", query.Statuses);
        Any(where, parameters, "EXISTS (SELECT 1 FROM consent_projection_actor a WHERE a.consent_id = p.consent_id AND a.actor IN ({0}))", "actor", query.Actors);
        Any(where, parameters, "EXISTS (SELECT 1 FROM consent_projection_purpose u WHERE u.consent_id = p.consent_id AND u.purpose IN ({0}))", "purpose", query.Purposes);
        for (var i = 0; i < query.Dates.Length; i++)
        {
            where.Append(CultureInfo.InvariantCulture, $" AND p.date_first IS NOT NULL AND {DateCondition(query.Dates[i].Prefix, $"@date{i}first", $"@date{i}after")}");
            parameters.Add(($"date{i}first", query.Dates[i].First.UtcTicks));
            parameters.Add(($"date{i}after", query.Dates[i].AfterLast.UtcTicks));
        }
        await using var count = Command(connection, $"SELECT count(*) FROM consent_projection p WHERE {where}");
        await using var page = Command(connection,
            $"SELECT p.consent_id, p.patient_id, p.version_id FROM consent_projection p WHERE {where} ORDER BY p.last_updated, p.consent_id LIMIT @count OFFSET @offset");
        foreach (var (name, value) in parameters)
        {
            Add(count, name, value);
            Add(page, name, value);
        }
        return await PageAsync(count, page, query.Offset, query.Count, cancellationToken);
    }

    public async Task<ConsentProjectionPage> HistoryAsync(DateTimeOffset? since, int offset, int count, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var total = Command(connection, "");
        await using var page = Command(connection, "");
        var where = since is null ? "" : " WHERE v.recorded_at >= @since";
        if (since is { } from)
        {
            Add(total, "since", from.UtcTicks);
            Add(page, "since", from.UtcTicks);
        }
        total.CommandText = $"SELECT count(*) FROM consent_projection_version v{where}";
        page.CommandText = $"SELECT v.consent_id, v.patient_id, v.version_id FROM consent_projection_version v{where} " +
            "ORDER BY v.recorded_at DESC, v.consent_id, v.version_id DESC LIMIT @count OFFSET @offset";
        return await PageAsync(total, page, offset, count, cancellationToken);
    }

    public async Task<ImmutableArray<Guid>> PendingPatientsAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection,
            "SELECT DISTINCT patient_id FROM consent_projection WHERE pending_version IS NOT NULL AND pending_since < @before LIMIT @limit");
        Add(command, "before", before.UtcTicks);
        Add(command, "limit", limit);
        var patients = ImmutableArray.CreateBuilder<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            patients.Add(reader.GetGuid(0));
        }
        return patients.ToImmutable();
    }

    public async Task<int> ImportOwnersAsync(IReadOnlyCollection<KeyValuePair<string, Guid>> owners, CancellationToken cancellationToken = default)
    {
        if (owners.Count == 0)
        {
            return 0;
        }
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, "");
        var sql = new StringBuilder("INSERT INTO consent_projection (consent_id, patient_id, pending_version, pending_since) VALUES ");
        var i = 0;
        foreach (var (consentId, patient) in owners)
        {
            // Pending since the beginning of time: the first repair pass projects them.
            sql.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ", ")}(@id{i}, @patient{i}, 1, 0)");
            Add(command, $"id{i}", consentId);
            Add(command, $"patient{i}", Patient(patient));
            i++;
        }
        command.CommandText = sql.Append(" ON CONFLICT (consent_id) DO NOTHING").ToString();
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The SQL for one <c>date</c> filter, the same comparisons as <see cref="ConsentDateFilter.Matches"/>.</summary>
    private static string DateCondition(string prefix, string first, string afterLast) => prefix switch
    {
        "eq" => $"(p.date_first >= {first} AND p.date_after_last <= {afterLast})",
        "ne" => $"NOT (p.date_first >= {first} AND p.date_after_last <= {afterLast})",
        "lt" or "eb" => $"p.date_first < {first}",
        "gt" or "sa" => $"p.date_after_last > {afterLast}",
        "le" => $"p.date_first < {afterLast}",
        "ge" => $"p.date_after_last > {first}",
        _ => throw new ArgumentException($"Unknown date prefix '{prefix}'.", nameof(prefix)),
    };

    /// <summary>Adds <c>AND condition</c> with one parameter per value when there are values (any of them matches).</summary>
    private static void Any(StringBuilder where, List<(string Name, object Value)> parameters, string condition, string name, ImmutableArray<string> values)
    {
        if (values.IsDefaultOrEmpty)
        {
            return;
        }
        var names = new string[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            names[i] = $"@{name}{i}";
            parameters.Add(($"{name}{i}", values[i]));
        }
        where.Append(" AND ").Append(string.Format(CultureInfo.InvariantCulture, condition, string.Join(", ", names)));
    }

    private static async Task ReplaceValuesAsync(DbConnection connection, DbTransaction transaction, string table, string column, string consentId,
        ImmutableArray<string> values, CancellationToken cancellationToken)
    {
        await using (var delete = Command(connection, $"DELETE FROM {table} WHERE consent_id = @id", transaction))
        {
            Add(delete, "id", consentId);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        if (values.IsDefaultOrEmpty)
        {
            return;
        }
        await using var insert = Command(connection, "", transaction);
        Add(insert, "id", consentId);
        var sql = new StringBuilder($"INSERT INTO {table} (consent_id, {column}) VALUES ");
        for (var i = 0; i < values.Length; i++)
        {
            sql.Append(CultureInfo.InvariantCulture, $"{(i == 0 ? "" : ", ")}(@id, @value{i})");
            Add(insert, $"value{i}", values[i]);
        }
        insert.CommandText = sql.Append(" ON CONFLICT DO NOTHING").ToString();
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<ConsentProjectionPage> PageAsync(DbCommand total, DbCommand page, int offset, int count, CancellationToken cancellationToken)
    {
        var matched = Convert.ToInt32(await total.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        if (count <= 0 || offset >= matched)
        {
            return new ConsentProjectionPage(matched, []);
        }
        Add(page, "count", count);
        Add(page, "offset", offset);
        var hits = ImmutableArray.CreateBuilder<ConsentProjectionHit>();
        await using var reader = await page.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            hits.Add(new ConsentProjectionHit(reader.GetString(0), reader.GetGuid(1), reader.GetInt32(2)));
        }
        return new ConsentProjectionPage(matched, hits.ToImmutable());
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = database.CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>PostgreSQL stores a uuid; SQLite the GUID's canonical text, so rows stay readable with the sqlite3 shell.</summary>
    private object Patient(Guid patient) => database.Mode == SiloMode.Embedded ? patient.ToString("D") : patient;

    private static DbCommand Command(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static void Add(DbCommand command, string name, object? value, DbType? type = null)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        if (type is { } known)
        {
            parameter.DbType = known;
        }
        command.Parameters.Add(parameter);
    }
}
