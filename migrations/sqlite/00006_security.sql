-- +goose Up
-- A sign-in in flight remembers (a hash of) the session that started it:
-- the callback must come back to that session, not just to that user.
ALTER TABLE oauth_pending ADD COLUMN session_hash TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE oauth_pending DROP COLUMN session_hash;
