-- Consent query projection (README "Consent query projection"), written only by PatientConsentGrain through
-- SqlConsentProjection: which patient holds each Consent id, the search values of its current version, and one row per
-- version for type-level history. The grains stay the source of truth; these rows only find candidates.
-- Pseudonymous ids, codes and instants only. Instants are UTC ticks (.NET's 100 ns units): exact for FHIR date ranges.
-- Ids sort byte-wise (BINARY), as the service orders them everywhere else; patient ids are lower-case GUID text.
CREATE TABLE IF NOT EXISTS consent_projection
(
    consent_id text NOT NULL,
    patient_id text NOT NULL,
    -- 0 while the id is only claimed (search skips such rows); else the projected current version.
    version_id integer NOT NULL DEFAULT 0,
    status text NULL,
    last_updated bigint NULL,
    date_first bigint NULL,
    date_after_last bigint NULL,
    -- A version whose write began and is not yet projected; the repair pass re-projects patients with old marks.
    pending_version integer NULL,
    pending_since bigint NULL,
    CONSTRAINT consent_projection_key PRIMARY KEY (consent_id)
);
CREATE INDEX IF NOT EXISTS consent_projection_patient ON consent_projection (patient_id);
CREATE INDEX IF NOT EXISTS consent_projection_updated ON consent_projection (last_updated, consent_id) WHERE version_id > 0;
CREATE INDEX IF NOT EXISTS consent_projection_status ON consent_projection (status, last_updated, consent_id) WHERE version_id > 0;
CREATE INDEX IF NOT EXISTS consent_projection_date ON consent_projection (date_first, date_after_last) WHERE version_id > 0;
CREATE INDEX IF NOT EXISTS consent_projection_pending ON consent_projection (pending_since) WHERE pending_version IS NOT NULL;

-- Every actor of every provision level of the current version, as a search names it (reference, else system|value).
CREATE TABLE IF NOT EXISTS consent_projection_actor
(
    consent_id text NOT NULL,
    actor text NOT NULL,
    CONSTRAINT consent_projection_actor_key PRIMARY KEY (consent_id, actor)
);
CREATE INDEX IF NOT EXISTS consent_projection_actor_value ON consent_projection_actor (actor, consent_id);

-- Every purpose of every provision level of the current version, both as code and as system|code.
CREATE TABLE IF NOT EXISTS consent_projection_purpose
(
    consent_id text NOT NULL,
    purpose text NOT NULL,
    CONSTRAINT consent_projection_purpose_key PRIMARY KEY (consent_id, purpose)
);
CREATE INDEX IF NOT EXISTS consent_projection_purpose_value ON consent_projection_purpose (purpose, consent_id);

-- Every version of every consent (type-level _history), newest first.
CREATE TABLE IF NOT EXISTS consent_projection_version
(
    consent_id text NOT NULL,
    version_id integer NOT NULL,
    patient_id text NOT NULL,
    recorded_at bigint NOT NULL,
    CONSTRAINT consent_projection_version_key PRIMARY KEY (consent_id, version_id)
);
CREATE INDEX IF NOT EXISTS consent_projection_version_recorded ON consent_projection_version (recorded_at DESC, consent_id, version_id DESC);
