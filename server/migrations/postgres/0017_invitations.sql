-- Issue 11: users added from the app get a one-time invitation link to choose their password
-- (no password ever sent). Never edit once released: add a new migration.
CREATE TABLE invitations (
    token_hash  TEXT PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users(id),
    agency_id   UUID NOT NULL REFERENCES agencies(id),
    created_by  UUID NOT NULL REFERENCES users(id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX invitations_user ON invitations (user_id);
