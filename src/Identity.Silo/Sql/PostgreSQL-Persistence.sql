-- Grain state for the ADO.NET grain storage provider (binary payloads only).
-- A grain is identified by (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString,
-- GrainIdExtensionString, ServiceId); the two hashes come first so lookups use the narrow prefix.
-- A missing key extension is stored as '' so the key can be a plain unique constraint.
-- Version is the ETag: a write or clear succeeds only if it still holds the version the grain read.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash integer NOT NULL,
    GrainIdN0 bigint NOT NULL,
    GrainIdN1 bigint NOT NULL,
    GrainTypeHash integer NOT NULL,
    GrainTypeString varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NOT NULL DEFAULT '',
    ServiceId varchar(150) NOT NULL,
    PayloadBinary bytea NULL,
    ModifiedOn timestamptz NOT NULL,
    Version integer NOT NULL,
    CONSTRAINT OrleansStorage_Key UNIQUE (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString, ServiceId)
);

-- Returns the new version, or the expected version unchanged when the write lost (Orleans then
-- raises InconsistentStateException). A first write (no expected version) that finds a row
-- returns NULL, which Orleans treats the same way.
CREATE OR REPLACE FUNCTION identity_write_grain_state(
    _grain_id_hash integer,
    _grain_id_n0 bigint,
    _grain_id_n1 bigint,
    _grain_type_hash integer,
    _grain_type text,
    _grain_id_extension text,
    _service_id text,
    _expected_version integer,
    _payload bytea)
RETURNS integer
LANGUAGE plpgsql
AS $body$
DECLARE
    _written integer;
BEGIN
    INSERT INTO OrleansStorage AS s
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
    SELECT _grain_id_hash, _grain_id_n0, _grain_id_n1, _grain_type_hash, _grain_type, COALESCE(_grain_id_extension, ''), _service_id, _payload, now(), 1
    -- With an expected version the row must exist: re-creating a vanished row would hide a conflict.
    WHERE _expected_version IS NULL
       OR EXISTS (
            SELECT 1 FROM OrleansStorage e
            WHERE e.GrainIdHash = _grain_id_hash AND e.GrainTypeHash = _grain_type_hash
              AND e.GrainIdN0 = _grain_id_n0 AND e.GrainIdN1 = _grain_id_n1
              AND e.GrainTypeString = _grain_type AND e.GrainIdExtensionString = COALESCE(_grain_id_extension, '')
              AND e.ServiceId = _service_id)
    ON CONFLICT ON CONSTRAINT OrleansStorage_Key DO UPDATE
        SET PayloadBinary = EXCLUDED.PayloadBinary,
            ModifiedOn = EXCLUDED.ModifiedOn,
            Version = s.Version + 1
        WHERE s.Version = _expected_version
    RETURNING s.Version INTO _written;

    RETURN COALESCE(_written, _expected_version);
END
$body$;

-- Clearing keeps the row (with a NULL payload) so the version keeps counting.
CREATE OR REPLACE FUNCTION identity_clear_grain_state(
    _grain_id_hash integer,
    _grain_id_n0 bigint,
    _grain_id_n1 bigint,
    _grain_type_hash integer,
    _grain_type text,
    _grain_id_extension text,
    _service_id text,
    _expected_version integer)
RETURNS integer
LANGUAGE plpgsql
AS $body$
DECLARE
    _cleared integer;
BEGIN
    UPDATE OrleansStorage s
    SET PayloadBinary = NULL,
        ModifiedOn = now(),
        Version = s.Version + 1
    WHERE s.GrainIdHash = _grain_id_hash AND s.GrainTypeHash = _grain_type_hash
      AND s.GrainIdN0 = _grain_id_n0 AND s.GrainIdN1 = _grain_id_n1
      AND s.GrainTypeString = _grain_type AND s.GrainIdExtensionString = COALESCE(_grain_id_extension, '')
      AND s.ServiceId = _service_id
      AND s.Version = _expected_version
    RETURNING s.Version INTO _cleared;

    RETURN COALESCE(_cleared, _expected_version);
END
$body$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', '
    SELECT PayloadBinary, Version
    FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString
      AND GrainIdExtensionString = COALESCE(CAST(@GrainIdExtensionString AS text), '''')
      AND ServiceId = @ServiceId;
'),
('WriteToStorageKey', '
    SELECT identity_write_grain_state(
        @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
        @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary) AS NewGrainStateVersion;
'),
('ClearStorageKey', '
    SELECT identity_clear_grain_state(
        @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
        @GrainIdExtensionString, @ServiceId, @GrainStateVersion) AS NewGrainStateVersion;
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
