-- Issue 11: consent per purpose (phone, e-mail, SMS, financial data) with date, channel and
-- proof; the history is kept, `current` marks the word that stands. Never edit once released.
CREATE TABLE consents (
    id           BLOB PRIMARY KEY,
    agency_id    BLOB NOT NULL REFERENCES agencies(id),
    contact_id   BLOB NOT NULL REFERENCES contacts(id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('phone', 'email', 'sms', 'financial_data')),
    granted      INTEGER NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('meeting', 'phone', 'email', 'paper', 'web', 'bloctel')),
    proof        TEXT NOT NULL,
    at           TEXT NOT NULL,
    recorded_by  BLOB NOT NULL REFERENCES users(id),
    current      INTEGER NOT NULL
);
CREATE INDEX consents_contact ON consents (contact_id, purpose, current);
