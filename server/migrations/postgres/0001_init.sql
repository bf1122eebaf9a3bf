-- Tournée schema, PostgreSQL. Never edit once released: add a new migration.

CREATE TABLE agencies (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    -- Per-agency change counter. Every write to the agency's records bumps it with
    -- UPDATE … RETURNING in the writing transaction; the row lock that takes is held until
    -- commit, so changes commit in sequence order and "changes after N" never misses one.
    change_seq  BIGINT NOT NULL DEFAULT 0,
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    agency_id     UUID NOT NULL REFERENCES agencies(id),
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('advisor', 'manager')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    disabled_at   TIMESTAMPTZ
);
CREATE INDEX users_agency ON users (agency_id);

CREATE TABLE sessions (
    id           UUID PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      UUID NOT NULL REFERENCES users(id),
    agency_id    UUID NOT NULL REFERENCES agencies(id),
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    user_agent   TEXT NOT NULL,
    ip           TEXT NOT NULL,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE contacts (
    id                         UUID PRIMARY KEY,
    agency_id                  UUID NOT NULL REFERENCES agencies(id),
    owner_id                   UUID NOT NULL REFERENCES users(id),
    kind                       TEXT NOT NULL,
    first_name                 TEXT NOT NULL,
    last_name                  TEXT NOT NULL,
    spouse_name                TEXT NOT NULL,
    company_name               TEXT NOT NULL,
    contact_role               TEXT NOT NULL,
    household_size             BIGINT,
    company_size               BIGINT,
    preferred_place            TEXT,
    address_line               TEXT NOT NULL,
    postcode                   TEXT NOT NULL,
    city                       TEXT NOT NULL,
    sector                     TEXT NOT NULL,
    lat                        DOUBLE PRECISION,
    lon                        DOUBLE PRECISION,
    phone_mobile               TEXT NOT NULL,
    phone_landline             TEXT NOT NULL,
    call_preferences           TEXT NOT NULL,
    email                      TEXT NOT NULL,
    website                    TEXT NOT NULL,
    situation                  TEXT NOT NULL,
    accessible_potential_cents BIGINT NOT NULL,
    assets_entrusted_cents     BIGINT NOT NULL,
    relationship_quality       BIGINT,
    referrals_made             BIGINT NOT NULL,
    networks                   TEXT NOT NULL,
    notes                      TEXT NOT NULL,
    stage                      TEXT NOT NULL,
    stage_changed_at           TIMESTAMPTZ NOT NULL,
    lost_to                    TEXT,
    referred_by                UUID REFERENCES contacts(id),
    score                      BIGINT NOT NULL,
    segment                    TEXT NOT NULL,
    size_class                 TEXT NOT NULL,
    last_meeting_on            DATE,
    last_call_on               DATE,
    next_contact_on            DATE,
    next_meeting_due           DATE,
    next_call_due              DATE,
    search_text                TEXT NOT NULL,
    sort_key                   TEXT NOT NULL,
    email_key                  TEXT,
    name_key                   TEXT,
    created_at                 TIMESTAMPTZ NOT NULL,
    created_by                 UUID NOT NULL REFERENCES users(id),
    updated_at                 TIMESTAMPTZ NOT NULL,
    updated_by                 UUID NOT NULL REFERENCES users(id),
    seq                        BIGINT NOT NULL,
    deleted_at                 TIMESTAMPTZ
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
    contact_id UUID NOT NULL REFERENCES contacts(id),
    user_id    UUID NOT NULL REFERENCES users(id),
    agency_id  UUID NOT NULL REFERENCES agencies(id),
    created_at TIMESTAMPTZ NOT NULL,
    created_by UUID NOT NULL REFERENCES users(id),
    PRIMARY KEY (contact_id, user_id)
);
CREATE INDEX contact_shares_user ON contact_shares (user_id);

CREATE TABLE stage_transitions (
    id         UUID PRIMARY KEY,
    agency_id  UUID NOT NULL REFERENCES agencies(id),
    contact_id UUID NOT NULL REFERENCES contacts(id),
    from_stage TEXT,
    to_stage   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    reason     TEXT,
    competitor TEXT,
    at         TIMESTAMPTZ NOT NULL,
    author_id  UUID NOT NULL REFERENCES users(id),
    seq        BIGINT NOT NULL
);
CREATE INDEX stage_transitions_contact ON stage_transitions (contact_id, at);
CREATE INDEX stage_transitions_agency_at ON stage_transitions (agency_id, at);
