-- Issue 10: offers and their prognosis. Never edit once released: add a new migration.

-- The global prognosis set by hand (agencies whose rule is "manual"): 0, 20 … 100.
ALTER TABLE contacts ADD COLUMN manual_prognosis BIGINT;

-- An offer on a record (offre): a product family, an amount, the month it should close, the
-- quote and its answer, a status and a prognosis kept in step with it (shared::offer::settle).
-- Offers are never deleted: a lost one is kept with 0 %.
CREATE TABLE offers (
    id                    UUID PRIMARY KEY,
    agency_id             UUID NOT NULL REFERENCES agencies(id),
    contact_id            UUID NOT NULL REFERENCES contacts(id),
    family                TEXT NOT NULL,
    label                 TEXT NOT NULL,
    amount_cents          BIGINT NOT NULL CHECK (amount_cents > 0),
    amount_kind           TEXT NOT NULL CHECK (amount_kind IN ('premium', 'capital')),
    closing_month         TEXT NOT NULL,
    quote_sent_on         DATE,
    quote_answer          TEXT NOT NULL CHECK (quote_answer IN ('awaited', 'accepted', 'refused')),
    status                TEXT NOT NULL CHECK (status IN ('open', 'signed', 'lost', 'abandoned')),
    prognosis             BIGINT NOT NULL CHECK (prognosis IN (0, 20, 40, 60, 80, 100)),
    notes                 TEXT NOT NULL,
    prognosis_changed_at  TIMESTAMPTZ NOT NULL,
    prognosis_changed_by  UUID NOT NULL REFERENCES users(id),
    created_at            TIMESTAMPTZ NOT NULL,
    created_by            UUID NOT NULL REFERENCES users(id),
    updated_at            TIMESTAMPTZ NOT NULL,
    seq                   BIGINT NOT NULL
);
CREATE INDEX offers_contact ON offers (contact_id);
CREATE INDEX offers_agency_seq ON offers (agency_id, seq);
-- The pipeline: offers in progress or signed, by closing month.
CREATE INDEX offers_pipeline ON offers (agency_id, status, closing_month);

-- Every change of an offer's prognosis (historique du pronostic): who, when, from → to.
CREATE TABLE offer_prognosis_changes (
    id         UUID PRIMARY KEY,
    agency_id  UUID NOT NULL REFERENCES agencies(id),
    offer_id   UUID NOT NULL REFERENCES offers(id),
    from_step  BIGINT,
    to_step    BIGINT NOT NULL,
    author_id  UUID NOT NULL REFERENCES users(id),
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX offer_prognosis_changes_offer ON offer_prognosis_changes (offer_id, at);
