-- Issue 3: meetings, visit reports, objections, referrals, interactions, tasks, the record's
-- timeline and the advisors' calendar feeds. Never edit once released: add a new migration.

-- Last contact of any kind (meeting held, call, e-mail, letter, SMS), kept by the store.
ALTER TABLE contacts ADD COLUMN last_contact_on DATE;

-- A meeting (RDV). starts_at is an instant; the agency's time zone gives the wall clock.
CREATE TABLE meetings (
    id            UUID PRIMARY KEY,
    agency_id     UUID NOT NULL REFERENCES agencies(id),
    contact_id    UUID NOT NULL REFERENCES contacts(id),
    owner_id      UUID NOT NULL REFERENCES users(id),
    starts_at     TIMESTAMPTZ NOT NULL,
    duration_min  BIGINT NOT NULL CHECK (duration_min BETWEEN 5 AND 600),
    place         TEXT NOT NULL CHECK (place IN ('agency', 'client', 'town')),
    address       TEXT NOT NULL,
    subject       TEXT NOT NULL,
    notes         TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('planned', 'held', 'cancelled', 'no_show')),
    status_reason TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    UUID NOT NULL REFERENCES users(id),
    updated_at    TIMESTAMPTZ NOT NULL,
    updated_by    UUID NOT NULL REFERENCES users(id),
    seq           BIGINT NOT NULL,
    deleted_at    TIMESTAMPTZ
);
CREATE INDEX meetings_owner_start ON meetings (agency_id, owner_id, starts_at);
CREATE INDEX meetings_contact_start ON meetings (contact_id, starts_at);
CREATE INDEX meetings_agency_start ON meetings (agency_id, starts_at);

-- The visit report (compte rendu) of a held meeting: one per meeting.
CREATE TABLE visit_reports (
    id                UUID PRIMARY KEY,
    agency_id         UUID NOT NULL REFERENCES agencies(id),
    meeting_id        UUID NOT NULL UNIQUE REFERENCES meetings(id),
    contact_id        UUID NOT NULL REFERENCES contacts(id),
    author_id         UUID NOT NULL REFERENCES users(id),
    outcome           TEXT NOT NULL,
    summary           TEXT NOT NULL,
    needs             TEXT NOT NULL,
    interest_signs    TEXT NOT NULL,
    satisfaction      BIGINT CHECK (satisfaction BETWEEN 1 AND 5),
    stage_from        TEXT NOT NULL,
    stage_to          TEXT,
    next_step         TEXT NOT NULL,
    next_step_due     DATE,
    referrals_asked   BOOLEAN NOT NULL,
    checkin_at        TIMESTAMPTZ,
    checkin_lat       DOUBLE PRECISION,
    checkin_lon       DOUBLE PRECISION,
    checkin_accuracy  DOUBLE PRECISION,
    created_at        TIMESTAMPTZ NOT NULL,
    seq               BIGINT NOT NULL
);
CREATE INDEX visit_reports_agency_at ON visit_reports (agency_id, created_at);
CREATE INDEX visit_reports_contact ON visit_reports (contact_id);

-- Objections heard, each on a report. label keeps the list's wording at the time.
CREATE TABLE objections (
    id         UUID PRIMARY KEY,
    agency_id  UUID NOT NULL REFERENCES agencies(id),
    report_id  UUID NOT NULL REFERENCES visit_reports(id),
    contact_id UUID NOT NULL REFERENCES contacts(id),
    author_id  UUID NOT NULL REFERENCES users(id),
    code       TEXT,
    label      TEXT NOT NULL,
    text       TEXT NOT NULL,
    answer     TEXT NOT NULL,
    overcome   BOOLEAN NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX objections_agency_at ON objections (agency_id, at);
CREATE INDEX objections_report ON objections (report_id);

-- A name given on a referral request: the prospect created and who gave it.
CREATE TABLE referrals (
    id          UUID PRIMARY KEY,
    agency_id   UUID NOT NULL REFERENCES agencies(id),
    report_id   UUID REFERENCES visit_reports(id),
    referrer_id UUID NOT NULL REFERENCES contacts(id),
    prospect_id UUID NOT NULL UNIQUE REFERENCES contacts(id),
    advisor_id  UUID NOT NULL REFERENCES users(id),
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX referrals_referrer ON referrals (referrer_id);
CREATE INDEX referrals_agency_at ON referrals (agency_id, at);

-- Calls, e-mails, letters, SMS.
CREATE TABLE interactions (
    id         UUID PRIMARY KEY,
    agency_id  UUID NOT NULL REFERENCES agencies(id),
    contact_id UUID NOT NULL REFERENCES contacts(id),
    author_id  UUID NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL CHECK (kind IN ('call', 'email', 'letter', 'sms')),
    outcome    TEXT,
    note       TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    seq        BIGINT NOT NULL
);
CREATE INDEX interactions_contact_at ON interactions (contact_id, at);

-- Tasks (échéancier). source_id: the report, referral or interaction that created it.
CREATE TABLE tasks (
    id            UUID PRIMARY KEY,
    agency_id     UUID NOT NULL REFERENCES agencies(id),
    owner_id      UUID NOT NULL REFERENCES users(id),
    contact_id    UUID REFERENCES contacts(id),
    title         TEXT NOT NULL,
    notes         TEXT NOT NULL,
    due_on        DATE NOT NULL,
    priority      TEXT NOT NULL CHECK (priority IN ('high', 'normal', 'low')),
    priority_rank BIGINT NOT NULL,
    source        TEXT NOT NULL,
    source_id     UUID,
    done_at       TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    created_by    UUID NOT NULL REFERENCES users(id),
    updated_at    TIMESTAMPTZ NOT NULL,
    seq           BIGINT NOT NULL,
    deleted_at    TIMESTAMPTZ
);
CREATE INDEX tasks_open ON tasks (agency_id, owner_id, due_on) WHERE done_at IS NULL AND deleted_at IS NULL;
CREATE INDEX tasks_contact ON tasks (contact_id);
-- At most one open cadence task per record: the generator may run as often as it likes.
CREATE UNIQUE INDEX tasks_one_open_cadence ON tasks (contact_id) WHERE source = 'cadence' AND done_at IS NULL AND deleted_at IS NULL;

-- The record's timeline: one line per event, written in the transaction of the event, so
-- that reading a page is one index range whatever the number of kinds.
CREATE TABLE contact_events (
    id         UUID PRIMARY KEY,
    agency_id  UUID NOT NULL REFERENCES agencies(id),
    contact_id UUID NOT NULL REFERENCES contacts(id),
    at         TIMESTAMPTZ NOT NULL,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    detail     TEXT NOT NULL,
    author_id  UUID REFERENCES users(id),
    ref_id     UUID
);
CREATE INDEX contact_events_timeline ON contact_events (contact_id, at, id);

INSERT INTO contact_events (id, agency_id, contact_id, at, kind, title, detail, author_id, ref_id)
SELECT t.id, t.agency_id, t.contact_id, t.at, 'stage',
       CASE t.to_stage
           WHEN 'identified' THEN 'Étape : recensé'
           WHEN 'referred' THEN 'Étape : recommandé'
           WHEN 'qualified' THEN 'Étape : qualifié'
           WHEN 'contacted' THEN 'Étape : contacté'
           WHEN 'engaged' THEN 'Étape : engagé'
           WHEN 'client' THEN 'Étape : client'
           ELSE 'Étape : ancien client' END,
       COALESCE(t.reason, '') || CASE WHEN t.competitor IS NULL THEN '' ELSE ' (concurrent : ' || t.competitor || ')' END,
       t.author_id, t.id
FROM stage_transitions t;

-- The secret calendar subscription URL of an advisor (only its hash is kept).
CREATE TABLE calendar_feeds (
    user_id    UUID PRIMARY KEY REFERENCES users(id),
    agency_id  UUID NOT NULL REFERENCES agencies(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);
