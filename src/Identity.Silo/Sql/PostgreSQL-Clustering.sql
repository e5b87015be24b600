-- Silo membership for ADO.NET clustering (the extended Orleans membership protocol).
-- One version row per cluster (DeploymentId = ClusterId); every membership change bumps it,
-- and a change made against a stale version is refused, which is how silos agree on the table.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp timestamptz(3) NOT NULL DEFAULT now(),
    Version integer NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL,
    Address varchar(45) NOT NULL,
    Port integer NOT NULL,
    Generation integer NOT NULL,
    SiloName varchar(150) NOT NULL,
    HostName varchar(150) NOT NULL,
    Status integer NOT NULL,
    ProxyPort integer NULL,
    SuspectTimes varchar(8000) NULL,
    StartTime timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- 1 when this call created the cluster's version row, 0 when it already existed.
CREATE OR REPLACE FUNCTION identity_membership_insert_version(_deployment_id text)
RETURNS integer
LANGUAGE plpgsql
AS $body$
BEGIN
    INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (_deployment_id)
    ON CONFLICT (DeploymentId) DO NOTHING;
    RETURN CASE WHEN FOUND THEN 1 ELSE 0 END;
END
$body$;

-- 1 when the silo row was added and the table version bumped together, 0 (nothing changed) otherwise.
CREATE OR REPLACE FUNCTION identity_membership_insert(
    _deployment_id text,
    _address text,
    _port integer,
    _generation integer,
    _silo_name text,
    _host_name text,
    _status integer,
    _proxy_port integer,
    _start_time timestamptz,
    _i_am_alive_time timestamptz,
    _version integer)
RETURNS integer
LANGUAGE plpgsql
AS $body$
BEGIN
    UPDATE OrleansMembershipVersionTable
    SET Timestamp = now(), Version = Version + 1
    WHERE DeploymentId = _deployment_id AND Version = _version AND Version < 2147483647;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    VALUES
        (_deployment_id, _address, _port, _generation, _silo_name, _host_name, _status, _proxy_port, _start_time, _i_am_alive_time)
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING;
    IF NOT FOUND THEN
        -- Undo the version bump: the row already existed, so the table did not change.
        RAISE EXCEPTION 'membership row exists' USING ERRCODE = 'IDM01';
    END IF;
    RETURN 1;
EXCEPTION
    WHEN SQLSTATE 'IDM01' THEN
        RETURN 0;
END
$body$;

-- 1 when the silo row was updated and the table version bumped together, 0 (nothing changed) otherwise.
CREATE OR REPLACE FUNCTION identity_membership_update(
    _deployment_id text,
    _address text,
    _port integer,
    _generation integer,
    _status integer,
    _suspect_times text,
    _i_am_alive_time timestamptz,
    _version integer)
RETURNS integer
LANGUAGE plpgsql
AS $body$
BEGIN
    UPDATE OrleansMembershipVersionTable
    SET Timestamp = now(), Version = Version + 1
    WHERE DeploymentId = _deployment_id AND Version = _version AND Version < 2147483647;
    IF NOT FOUND THEN
        RETURN 0;
    END IF;

    UPDATE OrleansMembershipTable
    SET Status = _status,
        SuspectTimes = _suspect_times,
        IAmAliveTime = GREATEST(IAmAliveTime, _i_am_alive_time)
    WHERE DeploymentId = _deployment_id AND Address = _address AND Port = _port AND Generation = _generation;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'membership row missing' USING ERRCODE = 'IDM02';
    END IF;
    RETURN 1;
EXCEPTION
    WHEN SQLSTATE 'IDM02' THEN
        RETURN 0;
END
$body$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', '
    SELECT identity_membership_insert_version(@DeploymentId);
'),
('InsertMembershipKey', '
    SELECT identity_membership_insert(
        @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
        @StartTime, @IAmAliveTime, @Version);
'),
('UpdateMembershipKey', '
    SELECT identity_membership_update(
        @DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime, @Version);
'),
-- Heartbeats never move IAmAliveTime backwards, whatever order they arrive in.
('UpdateIAmAlivetimeKey', '
    UPDATE OrleansMembershipTable
    SET IAmAliveTime = GREATEST(IAmAliveTime, CAST(@IAmAliveTime AS timestamptz))
    WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation;
'),
('MembershipReadRowKey', '
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT OUTER JOIN OrleansMembershipTable m
        ON v.DeploymentId = m.DeploymentId
       AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
    WHERE v.DeploymentId = @DeploymentId;
'),
('MembershipReadAllKey', '
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
           m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT OUTER JOIN OrleansMembershipTable m ON v.DeploymentId = m.DeploymentId
    WHERE v.DeploymentId = @DeploymentId;
'),
('GatewaysQueryKey', '
    SELECT Address, ProxyPort, Generation
    FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
'),
('DeleteMembershipTableEntriesKey', '
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
'),
-- Status 6 is SiloStatus.Dead; only dead silos with no recent activity or suspicion are pruned.
('CleanupDefunctSiloEntriesKey', '
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId
      AND Status = 6
      AND IAmAliveTime < CAST(@IAmAliveTime AS timestamptz)
      AND StartTime < CAST(@IAmAliveTime AS timestamptz)
      AND COALESCE(SuspectTimes, '''') = '''';
'),
('CleanupDefunctSiloEntryKey', '
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND Status = 6
      AND Address = @Address AND Port = @Port AND Generation = @Generation
      AND IAmAliveTime = CAST(@IAmAliveTime AS timestamptz) AND StartTime = CAST(@StartTime AS timestamptz)
      AND COALESCE(SuspectTimes, '''') = COALESCE(CAST(@SuspectTimes AS text), '''');
')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
