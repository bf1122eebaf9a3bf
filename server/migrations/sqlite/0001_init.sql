-- Tournée schema, SQLite. Timestamps are RFC 3339 text in UTC, dates ISO text, ids 16-byte blobs. Never edit once released: add a new migration.

CREATE TABLE agencies (
    id          BLOB PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    -- Per-agency change counter, bumped in every writing transaction. SQLite has one writer at a time,
    -- so sequence order is commit order.
    change_seq  INTEGER NOT NULL DEFAULT 0,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id            BLOB PRIMARY KEY,
    agency_id     BLOB NOT NULL REFERENCES agencies(id),
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('advisor', 'manager')),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
);
CREATE INDEX users_agency ON users (agency_id);

CREATE TABLE sessions (
    id           BLOB PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BLOB NOT NULL REFERENCES users(id),
    agency_id    BLOB NOT NULL REFERENCES agencies(id),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    user_agent   TEXT NOT NULL,
    ip           TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE contacts (
    id                         BLOB PRIMARY KEY,
    agency_id                  BLOB NOT NULL REFERENCES agencies(id),
    owner_id                   BLOB NOT NULL REFERENCES users(id),
    kind                       TEXT NOT NULL,
    first_name                 TEXT NOT NULL,
    last_name                  TEXT NOT NULL,
    spouse_name                TEXT NOT NULL,
    company_name               TEXT NOT NULL,
    contact_role               TEXT NOT NULL,
    household_size             INTEGER,
    company_size               INTEGER,
    preferred_place            TEXT,
    address_line               TEXT NOT NULL,
    postcode                   TEXT NOT NULL,
    city                       TEXT NOT NULL,
    sector                     TEXT NOT NULL,
    lat                        REAL,
    lon                        REAL,
    phone_mobile               TEXT NOT NULL,
    phone_landline             TEXT NOT NULL,
    call_preferences           TEXT NOT NULL,
    email                      TEXT NOT NULL,
    website                    TEXT NOT NULL,
    situation                  TEXT NOT NULL,
    accessible_potential_cents INTEGER NOT NULL,
    assets_entrusted_cents     INTEGER NOT NULL,
    relationship_quality       INTEGER,
    referrals_made             INTEGER NOT NULL,
    networks                   TEXT NOT NULL,
    notes                      TEXT NOT NULL,
    stage                      TEXT NOT NULL,
    stage_changed_at           TEXT NOT NULL,
    lost_to                    TEXT,
    referred_by                BLOB REFERENCES contacts(id),
    score                      INTEGER NOT NULL,
    segment                    TEXT NOT NULL,
    size_class                 TEXT NOT NULL,
    last_meeting_on            TEXT,
    last_call_on               TEXT,
    next_contact_on            TEXT,
    next_meeting_due           TEXT,
    next_call_due              TEXT,
    search_text                TEXT NOT NULL,
    sort_key                   TEXT NOT NULL,
    email_key                  TEXT,
    name_key                   TEXT,
    created_at                 TEXT NOT NULL,
    created_by                 BLOB NOT NULL REFERENCES users(id),
    updated_at                 TEXT NOT NULL,
    updated_by                 BLOB NOT NULL REFERENCES users(id),
    seq                        INTEGER NOT NULL,
    deleted_at                 TEXT
);
CREATE INDEX contacts_sort ON contacts (agency_id, sort_key);
CREATE INDEX contacts_owner ON contacts (agency_id, owner_id, sort_key);
CREATE UNIQUE INDEX contacts_seq ON contacts (agency_id, seq);
CREATE INDEX contacts_email ON contacts (agency_id, email_key);
CREATE INDEX contacts_mobile ON contacts (agency_id, phone_mobile);
CREATE INDEX contacts_landline ON contacts (agency_id, phone_landline);
CREATE INDEX contacts_name_key ON contacts (agency_id, name_key);
CREATE INDEX contacts_meeting_due ON contacts (agency_id, next_meeting_due);
CREATE INDEX contacts_call_due ON contacts (agency_id, next_call_due);

CREATE TABLE contact_shares (
    contact_id BLOB NOT NULL REFERENCES contacts(id),
    user_id    BLOB NOT NULL REFERENCES users(id),
    agency_id  BLOB NOT NULL REFERENCES agencies(id),
    created_at TEXT NOT NULL,
    created_by BLOB NOT NULL REFERENCES users(id),
    PRIMARY KEY (contact_id, user_id)
);
CREATE INDEX contact_shares_user ON contact_shares (user_id);

CREATE TABLE stage_transitions (
    id         BLOB PRIMARY KEY,
    agency_id  BLOB NOT NULL REFERENCES agencies(id),
    contact_id BLOB NOT NULL REFERENCES contacts(id),
    from_stage TEXT,
    to_stage   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    reason     TEXT,
    competitor TEXT,
    at         TEXT NOT NULL,
    author_id  BLOB NOT NULL REFERENCES users(id),
    seq        INTEGER NOT NULL
);
CREATE INDEX stage_transitions_contact ON stage_transitions (contact_id, at);
CREATE INDEX stage_transitions_agency_at ON stage_transitions (agency_id, at);
