-- +goose Up
-- "Import anyway" of a mail filed in the refused folder: the folder to take
-- it from; its action (move to the accepted folder) is pending again.
ALTER TABLE messages ADD COLUMN refile_from TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN refile_from;
