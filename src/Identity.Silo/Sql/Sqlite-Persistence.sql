-- Grain state for the ADO.NET grain storage provider (binary payloads only), SQLite dialect.
-- Same model as PostgreSQL-Persistence.sql: a missing key extension is stored as '', and
-- Version is the ETag a write or clear must still match.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash INTEGER NOT NULL,
    GrainIdN0 INTEGER NOT NULL,
    GrainIdN1 INTEGER NOT NULL,
    GrainTypeHash INTEGER NOT NULL,
    GrainTypeString TEXT NOT NULL,
    GrainIdExtensionString TEXT NOT NULL DEFAULT '',
    ServiceId TEXT NOT NULL,
    PayloadBinary BLOB NULL,
    ModifiedOn TEXT NOT NULL,
    Version INTEGER NOT NULL,
    CONSTRAINT OrleansStorage_Key UNIQUE (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId)
);

-- The write is one upsert so changes() in the following SELECT reports exactly its outcome:
-- the new version when a row was inserted or updated, otherwise the expected version (or NULL
-- for a lost first write), which Orleans turns into InconsistentStateException.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', '
    SELECT PayloadBinary, Version
    FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
      AND ServiceId = @ServiceId
    LIMIT 1;
'),
('WriteToStorageKey', '
    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
    SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''''), @ServiceId,
        @PayloadBinary, strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''), 1
    WHERE @GrainStateVersion IS NULL
       OR EXISTS (
            SELECT 1 FROM OrleansStorage
            WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
              AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
              AND GrainTypeString = @GrainTypeString
              AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
              AND ServiceId = @ServiceId)
    ON CONFLICT (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId) DO UPDATE
        SET PayloadBinary = excluded.PayloadBinary,
            ModifiedOn = excluded.ModifiedOn,
            Version = OrleansStorage.Version + 1
        WHERE OrleansStorage.Version = @GrainStateVersion;

    SELECT CASE WHEN changes() > 0 THEN COALESCE(@GrainStateVersion + 1, 1) ELSE @GrainStateVersion END AS NewGrainStateVersion;
'),
('ClearStorageKey', '
    UPDATE OrleansStorage
    SET PayloadBinary = NULL,
        ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''),
        Version = Version + 1
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
      AND ServiceId = @ServiceId
      AND Version = @GrainStateVersion;

    SELECT CASE WHEN changes() > 0 THEN @GrainStateVersion + 1 ELSE @GrainStateVersion END AS NewGrainStateVersion;
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
