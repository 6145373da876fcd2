-- +goose Up
-- Outgoing mail. A receiver's sender: how mail goes out as its mailbox
-- (SMTP through an OAuth authorization, or a login and sealed password).
CREATE TABLE mail_senders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receiver_id INTEGER NOT NULL REFERENCES receivers (id) ON DELETE CASCADE,
    mode TEXT NOT NULL DEFAULT 'off',
    host TEXT NOT NULL DEFAULT '',
    port INTEGER NOT NULL DEFAULT 587,
    security TEXT NOT NULL DEFAULT 'starttls',
    validate_cert BOOLEAN NOT NULL DEFAULT 1,
    login TEXT NOT NULL DEFAULT '',
    password TEXT NOT NULL DEFAULT '',
    from_address TEXT NOT NULL DEFAULT '',
    from_name TEXT NOT NULL DEFAULT '',
    reply_to TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX mail_senders_receiver ON mail_senders (receiver_id);

-- The outbox: one row per mail to send, written in the transaction of what
-- caused it; the sender pool delivers it (see internal/sender).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ticket_id INTEGER NULL REFERENCES tickets (id) ON DELETE SET NULL,
    followup_id INTEGER NULL REFERENCES followups (id) ON DELETE SET NULL,
    receiver_id INTEGER NULL REFERENCES receivers (id) ON DELETE SET NULL,
    from_address TEXT NOT NULL DEFAULT '',
    recipients TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL,
    raw BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DATETIME NOT NULL,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until DATETIME NULL,
    error_class TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    refused TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    sent_at DATETIME NULL
);
CREATE UNIQUE INDEX outbox_message_id ON outbox (message_id);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_ticket ON outbox (ticket_id);

-- Ticket notifications per receiver: each on or off, with its subject and
-- body template (an empty one means the default text).
CREATE TABLE mail_notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receiver_id INTEGER NOT NULL REFERENCES receivers (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX mail_notifications_event ON mail_notifications (receiver_id, event);
CREATE INDEX outbox_recipients ON outbox (recipients, created_at);

-- +goose Down
DROP TABLE mail_notifications;
DROP TABLE outbox;
DROP TABLE mail_senders;
