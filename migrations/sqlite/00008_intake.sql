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

-- First contact with a mailbox: import all its mail, only the last N days,
-- or none (start from now). uid_floor: UIDs up to it were left out by that
-- choice (collect-only-unread searches above it). The run says what it did.
ALTER TABLE receivers ADD COLUMN first_collect TEXT NOT NULL DEFAULT 'all';
ALTER TABLE receivers ADD COLUMN first_collect_days INTEGER NOT NULL DEFAULT 7;
ALTER TABLE receivers ADD COLUMN uid_floor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE collect_runs ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- The raw mail a ticket or follow-up was made from, kept in the document
-- store, for administrators to download ("show original").
ALTER TABLE tickets ADD COLUMN raw_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE followups ADD COLUMN raw_sha256 TEXT NOT NULL DEFAULT '';
CREATE INDEX tickets_raw ON tickets (raw_sha256);
CREATE INDEX followups_raw ON followups (raw_sha256);

-- GLPI's "Blacklisted mail content": blocks of text (signatures, legal
-- footers) removed from the bodies of collected mail.
CREATE TABLE blacklisted_mail_contents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);

-- GLPI's document types: the attachments collected mail may bring (by
-- extension or MIME type); none listed means any file.
CREATE TABLE document_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    ext TEXT NOT NULL DEFAULT '',
    mime TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE document_types;
DROP TABLE blacklisted_mail_contents;
DROP INDEX followups_raw;
DROP INDEX tickets_raw;
ALTER TABLE followups DROP COLUMN raw_sha256;
ALTER TABLE tickets DROP COLUMN raw_sha256;
ALTER TABLE collect_runs DROP COLUMN note;
ALTER TABLE receivers DROP COLUMN uid_floor;
ALTER TABLE receivers DROP COLUMN first_collect_days;
ALTER TABLE receivers DROP COLUMN first_collect;
DROP TABLE ticket_receivers;
ALTER TABLE tickets DROP COLUMN content_sha256;
ALTER TABLE receivers DROP COLUMN import_auto_notifications;
