-- +goose Up
-- Import automatic notifications (Auto-Submitted: auto-generated) instead of
-- refusing them; automatic replies are refused all the same.
ALTER TABLE receivers ADD COLUMN import_auto_notifications BOOLEAN NOT NULL DEFAULT 0;

-- The same mail collected by two receivers makes one ticket: the ticket
-- keeps the mail's fingerprint, and every receiver that brought it.
ALTER TABLE tickets ADD COLUMN content_sha256 TEXT NOT NULL DEFAULT '';
CREATE TABLE ticket_receivers (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    receiver_id INTEGER NOT NULL REFERENCES receivers (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (ticket_id, receiver_id)
);

-- +goose Down
DROP TABLE ticket_receivers;
ALTER TABLE tickets DROP COLUMN content_sha256;
ALTER TABLE receivers DROP COLUMN import_auto_notifications;
