using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Identity.Api.Audit;

/// <summary>
/// The append-only audit tables, installed idempotently at start-up (and again before the first write if the
/// store was down then). <c>audit_entries</c>: one row per entry, primary key (chain, sequence), so two writers can
/// never both append entry n to a chain. Triggers refuse UPDATE always, and DELETE unless the same transaction holds a
/// row in <c>audit_purge_permit</c> (only the retention purge, run by the schema owner, does). On PostgreSQL the writer
/// role gets INSERT and SELECT on the entries and SELECT on the anchors, nothing else.
/// </summary>
public static class AuditSchema
{
    public const string Sqlite = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS audit_entries (
            chain TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            recorded_ms INTEGER NOT NULL,
            event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            subtype TEXT NOT NULL,
            action TEXT NOT NULL,
            outcome TEXT NOT NULL,
            agents TEXT NOT NULL,
            entity_types TEXT NOT NULL,
            purposes TEXT NOT NULL,
            event TEXT NOT NULL,
            previous_hash BLOB NOT NULL,
            hash BLOB NOT NULL,
            PRIMARY KEY (chain, sequence)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS audit_entries_recorded ON audit_entries (recorded_ms);
        CREATE INDEX IF NOT EXISTS audit_entries_event_id ON audit_entries (event_id);
        CREATE TABLE IF NOT EXISTS audit_anchors (
            chain TEXT PRIMARY KEY,
            sequence INTEGER NOT NULL,
            hash BLOB NOT NULL,
            last_recorded_ms INTEGER NOT NULL,
            purged_ms INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS audit_purge_permit (id INTEGER PRIMARY KEY CHECK (id = 1));
        CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
        CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries
        WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit)
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only; only the retention purge removes them'); END;
        CREATE TRIGGER IF NOT EXISTS audit_anchors_no_update BEFORE UPDATE ON audit_anchors
        WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit)
        BEGIN SELECT RAISE(ABORT, 'audit anchors change only in a retention purge'); END;
        CREATE TRIGGER IF NOT EXISTS audit_anchors_no_delete BEFORE DELETE ON audit_anchors
        BEGIN SELECT RAISE(ABORT, 'audit anchors are never deleted'); END;
        """;

    public const string Postgres = $$"""
        SELECT pg_advisory_xact_lock(7306086956548040050);
        CREATE TABLE IF NOT EXISTS audit_entries (
            chain text NOT NULL,
            sequence bigint NOT NULL,
            recorded_ms bigint NOT NULL,
            event_id text NOT NULL,
            type text NOT NULL,
            subtype text NOT NULL,
            action text NOT NULL,
            outcome text NOT NULL,
            agents text NOT NULL,
            entity_types text NOT NULL,
            purposes text NOT NULL,
            event text NOT NULL,
            previous_hash bytea NOT NULL,
            hash bytea NOT NULL,
            PRIMARY KEY (chain, sequence)
        );
        CREATE INDEX IF NOT EXISTS audit_entries_recorded ON audit_entries (recorded_ms);
        CREATE INDEX IF NOT EXISTS audit_entries_event_id ON audit_entries (event_id);
        CREATE TABLE IF NOT EXISTS audit_anchors (
            chain text PRIMARY KEY,
            sequence bigint NOT NULL,
            hash bytea NOT NULL,
            last_recorded_ms bigint NOT NULL,
            purged_ms bigint NOT NULL
        );
        CREATE TABLE IF NOT EXISTS audit_purge_permit (id int PRIMARY KEY CHECK (id = 1));

        CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_LEVEL = 'ROW' AND TG_ARGV[0] = 'purge' AND EXISTS (SELECT 1 FROM audit_purge_permit) THEN
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            END IF;
            RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END
        $fn$;
        CREATE OR REPLACE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('never');
        CREATE OR REPLACE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
            FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('purge');
        CREATE OR REPLACE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
            FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('never');
        CREATE OR REPLACE TRIGGER audit_anchors_no_update BEFORE UPDATE ON audit_anchors
            FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('purge');
        CREATE OR REPLACE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors
            FOR EACH ROW EXECUTE FUNCTION audit_refuse_change('never');
        CREATE OR REPLACE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON audit_anchors
            FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change('never');

        -- Roles are cluster-wide: another database may be creating it at the same moment.
        DO $do$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{{AuditDatabase.WriterRole}}') THEN
                CREATE ROLE {{AuditDatabase.WriterRole}} NOLOGIN;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END
        $do$;
        DO $do$
        BEGIN
            IF NOT pg_has_role(current_user, '{{AuditDatabase.WriterRole}}', 'MEMBER') THEN
                EXECUTE format('GRANT {{AuditDatabase.WriterRole}} TO %I', current_user);
            END IF;
        END
        $do$;
        REVOKE ALL ON audit_entries, audit_anchors, audit_purge_permit FROM PUBLIC;
        REVOKE ALL ON audit_entries, audit_anchors, audit_purge_permit FROM {{AuditDatabase.WriterRole}};
        GRANT SELECT, INSERT ON audit_entries TO {{AuditDatabase.WriterRole}};
        GRANT SELECT ON audit_anchors TO {{AuditDatabase.WriterRole}};
        """;

    public static async Task InstallAsync(AuditDatabase database, CancellationToken cancellationToken)
    {
        if (database.IsPostgres)
        {
            await using var connection = new NpgsqlConnection(database.OwnerConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, transaction, Postgres, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return;
        }
        var file = new SqliteConnectionStringBuilder(database.OwnerConnectionString).DataSource;
        if (Path.GetDirectoryName(file) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }
        await using var sqlite = new SqliteConnection(database.OwnerConnectionString);
        await sqlite.OpenAsync(cancellationToken);
        await ExecuteAsync(sqlite, null, Sqlite, cancellationToken);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
