-- +goose Up
-- Import automatic notifications (Auto-Submitted: auto-generated) instead of
-- refusing them; automatic replies are refused all the same.
ALTER TABLE receivers ADD COLUMN import_auto_notifications TINYINT(1) NOT NULL DEFAULT 0;

-- The same mail collected by two receivers makes one ticket: the ticket
-- keeps the mail's fingerprint, and every receiver that brought it.
ALTER TABLE tickets ADD COLUMN content_sha256 VARCHAR(64) NOT NULL DEFAULT '';
CREATE TABLE ticket_receivers (
    ticket_id BIGINT NOT NULL,
    receiver_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (ticket_id, receiver_id),
    CONSTRAINT fk_ticket_receivers_ticket_id FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE,
    CONSTRAINT fk_ticket_receivers_receiver_id FOREIGN KEY (receiver_id) REFERENCES receivers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- First contact with a mailbox: import all its mail, only the last N days,
-- or none (start from now). uid_floor: UIDs up to it were left out by that
-- choice (collect-only-unread searches above it). The run says what it did.
ALTER TABLE receivers ADD COLUMN first_collect VARCHAR(16) NOT NULL DEFAULT 'all';
ALTER TABLE receivers ADD COLUMN first_collect_days INTEGER NOT NULL DEFAULT 7;
ALTER TABLE receivers ADD COLUMN uid_floor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE collect_runs ADD COLUMN note VARCHAR(1000) NOT NULL DEFAULT '';

-- The raw mail a ticket or follow-up was made from, kept in the document
-- store, for administrators to download ("show original").
ALTER TABLE tickets ADD COLUMN raw_sha256 VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE followups ADD COLUMN raw_sha256 VARCHAR(64) NOT NULL DEFAULT '';
CREATE INDEX tickets_raw ON tickets (raw_sha256);
CREATE INDEX followups_raw ON followups (raw_sha256);

-- GLPI's "Blacklisted mail content": blocks of text (signatures, legal
-- footers) removed from the bodies of collected mail.
CREATE TABLE blacklisted_mail_contents (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    content TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- GLPI's document types: the attachments collected mail may bring (by
-- extension or MIME type); none listed means any file.
CREATE TABLE document_types (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    ext VARCHAR(255) NOT NULL DEFAULT '',
    mime VARCHAR(255) NOT NULL DEFAULT '',
    comment TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE document_types;
DROP TABLE blacklisted_mail_contents;
DROP INDEX followups_raw ON followups;
DROP INDEX tickets_raw ON tickets;
ALTER TABLE followups DROP COLUMN raw_sha256;
ALTER TABLE tickets DROP COLUMN raw_sha256;
ALTER TABLE collect_runs DROP COLUMN note;
ALTER TABLE receivers DROP COLUMN uid_floor;
ALTER TABLE receivers DROP COLUMN first_collect_days;
ALTER TABLE receivers DROP COLUMN first_collect;
DROP TABLE ticket_receivers;
ALTER TABLE tickets DROP COLUMN content_sha256;
ALTER TABLE receivers DROP COLUMN import_auto_notifications;
