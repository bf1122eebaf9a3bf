-- Issue 11: users added from the app get a one-time invitation link to choose their password
-- (no password ever sent). Never edit once released: add a new migration.
CREATE TABLE invitations (
    token_hash  TEXT PRIMARY KEY,
    user_id     BLOB NOT NULL REFERENCES users(id),
    agency_id   BLOB NOT NULL REFERENCES agencies(id),
    created_by  BLOB NOT NULL REFERENCES users(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX invitations_user ON invitations (user_id);
