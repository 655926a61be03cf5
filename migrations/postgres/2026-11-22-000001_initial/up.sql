-- barometer's initial schema (PostgreSQL). The SQLite migration of the same name creates the
-- same tables and columns; a test compares them. Dates are DATE, instants are UTC TIMESTAMP,
-- ids are UUID text, lists of free text are JSON text.

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE assemblies (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    joined_on DATE NOT NULL,
    left_on DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE cycles (
    label TEXT PRIMARY KEY NOT NULL,
    opens_on DATE NOT NULL,
    closes_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'published')),
    max_ranked_themes INTEGER NOT NULL CHECK (max_ranked_themes BETWEEN 1 AND 20),
    tier_primary DOUBLE PRECISION NOT NULL,
    tier_secondary DOUBLE PRECISION NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE cycle_themes (
    cycle_label TEXT NOT NULL REFERENCES cycles (label) ON DELETE CASCADE,
    code TEXT NOT NULL,
    position INTEGER NOT NULL,
    labels TEXT NOT NULL,
    replaces TEXT NOT NULL,
    PRIMARY KEY (cycle_label, code)
);

CREATE TABLE cycle_regions (
    cycle_label TEXT NOT NULL REFERENCES cycles (label) ON DELETE CASCADE,
    code TEXT NOT NULL,
    position INTEGER NOT NULL,
    labels TEXT NOT NULL,
    parent_code TEXT,
    PRIMARY KEY (cycle_label, code),
    FOREIGN KEY (cycle_label, parent_code) REFERENCES cycle_regions (cycle_label, code) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE cycle_region_countries (
    cycle_label TEXT NOT NULL,
    region_code TEXT NOT NULL,
    iso3 TEXT NOT NULL,
    PRIMARY KEY (cycle_label, region_code, iso3),
    FOREIGN KEY (cycle_label, region_code) REFERENCES cycle_regions (cycle_label, code) ON DELETE CASCADE
);

CREATE TABLE cycle_activity_kinds (
    cycle_label TEXT NOT NULL REFERENCES cycles (label) ON DELETE CASCADE,
    code TEXT NOT NULL,
    position INTEGER NOT NULL,
    labels TEXT NOT NULL,
    PRIMARY KEY (cycle_label, code)
);

CREATE TABLE responses (
    id TEXT PRIMARY KEY NOT NULL,
    cycle_label TEXT NOT NULL REFERENCES cycles (label),
    assembly_code TEXT NOT NULL REFERENCES assemblies (code),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    version INTEGER NOT NULL,
    comment TEXT NOT NULL,
    receipt TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    UNIQUE (cycle_label, assembly_code)
);

CREATE TABLE response_themes (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    cycle_label TEXT NOT NULL,
    rank INTEGER NOT NULL CHECK (rank >= 1),
    theme_code TEXT NOT NULL,
    PRIMARY KEY (response_id, rank),
    UNIQUE (response_id, theme_code),
    FOREIGN KEY (cycle_label, theme_code) REFERENCES cycle_themes (cycle_label, code)
);
CREATE INDEX response_themes_cycle ON response_themes (cycle_label, theme_code);

CREATE TABLE response_regions (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    cycle_label TEXT NOT NULL,
    region_code TEXT NOT NULL,
    PRIMARY KEY (response_id, region_code),
    FOREIGN KEY (cycle_label, region_code) REFERENCES cycle_regions (cycle_label, code)
);
CREATE INDEX response_regions_cycle ON response_regions (cycle_label, region_code);

CREATE TABLE activities (
    id TEXT PRIMARY KEY NOT NULL,
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    cycle_label TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    kind_code TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    city TEXT,
    country TEXT,
    online BOOLEAN NOT NULL,
    partners TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'confirmed', 'held', 'cancelled')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    FOREIGN KEY (cycle_label, kind_code) REFERENCES cycle_activity_kinds (cycle_label, code),
    CHECK (ends_on >= starts_on)
);
CREATE INDEX activities_response ON activities (response_id);
CREATE INDEX activities_dates ON activities (starts_on);

CREATE TABLE activity_themes (
    activity_id TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    cycle_label TEXT NOT NULL,
    theme_code TEXT NOT NULL,
    PRIMARY KEY (activity_id, theme_code),
    FOREIGN KEY (cycle_label, theme_code) REFERENCES cycle_themes (cycle_label, code)
);

CREATE TABLE activity_regions (
    activity_id TEXT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    cycle_label TEXT NOT NULL,
    region_code TEXT NOT NULL,
    PRIMARY KEY (activity_id, region_code),
    FOREIGN KEY (cycle_label, region_code) REFERENCES cycle_regions (cycle_label, code)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('secretariat', 'analyst', 'focal-point')),
    assembly_code TEXT REFERENCES assemblies (code),
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP,
    CHECK ((role = 'focal-point') = (assembly_code IS NOT NULL))
);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('api', 'invitation', 'sign-in', 'session', 'calendar')),
    role TEXT NOT NULL CHECK (role IN ('secretariat', 'analyst', 'focal-point')),
    assembly_code TEXT REFERENCES assemblies (code),
    cycle_label TEXT REFERENCES cycles (label),
    user_id TEXT REFERENCES users (id),
    label TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP,
    CHECK ((role = 'focal-point') = (assembly_code IS NOT NULL))
);

-- Append-only: rows are written once and never changed or removed.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
