-- The calendar of activities (issue 6).

-- What the assembly itself last said about an activity's status. A save that sends the same
-- status again leaves `status` alone, so a status the Secretariat set survives an amendment
-- that did not touch it; a save that sends another status is the assembly changing it.
ALTER TABLE activities ADD COLUMN reported_status TEXT NOT NULL DEFAULT 'planned'
    CHECK (reported_status IN ('planned', 'confirmed', 'held', 'cancelled'));
UPDATE activities SET reported_status = status;

-- Events the Secretariat enters itself (Mechanism meetings, UNOCT events). Times, when given,
-- are UTC "HH:MM"; without them the event is all-day. Lists of codes and names are JSON text.
CREATE TABLE calendar_events (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('mechanism-meeting', 'unoct-event', 'other-event')),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    start_time TEXT,
    end_time TEXT,
    city TEXT,
    country TEXT,
    online BOOLEAN NOT NULL,
    themes TEXT NOT NULL,
    regions TEXT NOT NULL,
    partners TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'confirmed', 'held', 'cancelled')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX calendar_events_dates ON calendar_events (starts_on);

-- The Secretariat's marks on joint-initiative suggestions, keyed by the suggestion's stable key
-- (theme and the sorted ids of its activities), so a recomputed suggestion finds its mark.
CREATE TABLE joint_initiative_marks (
    suggestion_key TEXT PRIMARY KEY NOT NULL,
    mark TEXT NOT NULL CHECK (mark IN ('proposed', 'agreed', 'dismissed')),
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
