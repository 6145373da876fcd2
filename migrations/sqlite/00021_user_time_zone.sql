-- +goose Up
-- A user's time zone (an IANA name such as "Europe/Paris"): the console
-- shows times in it. Empty: the server's time zone.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN time_zone;
