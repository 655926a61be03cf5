-- Membership under the amended Terms of Reference (Sixth Meeting, Rome, 6 December 2024):
-- expressions of interest, meetings and their decisions, the Presidency, notifications to
-- assemblies, the email outbox, rate-limit counters and the form's challenge.

ALTER TABLE assemblies ADD COLUMN contact_email TEXT;

CREATE TABLE meetings (
    number INTEGER PRIMARY KEY NOT NULL CHECK (number >= 1),
    date DATE NOT NULL,
    venue TEXT NOT NULL,
    online BOOLEAN NOT NULL,
    regular BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX meetings_date ON meetings (date);

CREATE TABLE presidencies (
    assembly_code TEXT NOT NULL REFERENCES assemblies (code),
    starts_on DATE NOT NULL,
    ends_on DATE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (assembly_code, starts_on),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

CREATE TABLE membership_requests (
    id TEXT PRIMARY KEY NOT NULL,
    assembly_name TEXT NOT NULL,
    normalized_name TEXT NOT NULL,
    members TEXT NOT NULL,
    relevance TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    lang TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'admitted', 'declined', 'deferred')),
    meeting_number INTEGER REFERENCES meetings (number),
    assembly_code TEXT REFERENCES assemblies (code),
    letter_name TEXT,
    notified_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX membership_requests_name ON membership_requests (normalized_name);

-- The attached letter, apart so that lists never load it.
CREATE TABLE membership_letters (
    request_id TEXT PRIMARY KEY NOT NULL REFERENCES membership_requests (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content BLOB NOT NULL
);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    assembly_code TEXT NOT NULL REFERENCES assemblies (code),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    request_id TEXT REFERENCES membership_requests (id),
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_assembly ON notifications (assembly_code, created_at);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL,
    error TEXT,
    notification_id TEXT REFERENCES notifications (id),
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_status ON outbox (status, created_at);

-- Fixed-window counters shared by every instance on the database. Keys are SHA-256 hashes:
-- no address or email is kept in clear.
CREATE TABLE rate_limit_counters (
    bucket TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (bucket, key_hash, window_start)
);
CREATE INDEX rate_limit_counters_window ON rate_limit_counters (window_start);

-- The public form's question: one use each, short-lived.
CREATE TABLE challenges (
    id TEXT PRIMARY KEY NOT NULL,
    answer TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
