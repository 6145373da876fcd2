-- +goose Up
-- Outgoing mail. A receiver's sender: how mail goes out as its mailbox
-- (SMTP through an OAuth authorization, or a login and sealed password).
CREATE TABLE mail_senders (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    receiver_id BIGINT NOT NULL,
    mode VARCHAR(32) NOT NULL DEFAULT 'off',
    host VARCHAR(255) NOT NULL DEFAULT '',
    port BIGINT NOT NULL DEFAULT 587,
    security VARCHAR(32) NOT NULL DEFAULT 'starttls',
    validate_cert TINYINT(1) NOT NULL DEFAULT 1,
    login VARCHAR(255) NOT NULL DEFAULT '',
    password TEXT NOT NULL,
    from_address VARCHAR(255) NOT NULL DEFAULT '',
    from_name VARCHAR(255) NOT NULL DEFAULT '',
    reply_to VARCHAR(255) NOT NULL DEFAULT '',
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_mail_senders_receiver_id FOREIGN KEY (receiver_id) REFERENCES receivers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX mail_senders_receiver ON mail_senders (receiver_id);

-- The outbox: one row per mail to send, written in the transaction of what
-- caused it; the sender pool delivers it (see internal/sender).
CREATE TABLE outbox (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind VARCHAR(32) NOT NULL,
    ticket_id BIGINT NULL,
    followup_id BIGINT NULL,
    receiver_id BIGINT NULL,
    from_address VARCHAR(255) NOT NULL DEFAULT '',
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id VARCHAR(255) NOT NULL,
    raw LONGBLOB NOT NULL,
    state VARCHAR(32) NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(6) NOT NULL,
    lease_owner VARCHAR(255) NOT NULL DEFAULT '',
    lease_until DATETIME(6) NULL,
    error_class VARCHAR(64) NOT NULL DEFAULT '',
    last_error TEXT NOT NULL,
    refused TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    sent_at DATETIME(6) NULL,
    CONSTRAINT fk_outbox_ticket_id FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE SET NULL,
    CONSTRAINT fk_outbox_followup_id FOREIGN KEY (followup_id) REFERENCES followups (id) ON DELETE SET NULL,
    CONSTRAINT fk_outbox_receiver_id FOREIGN KEY (receiver_id) REFERENCES receivers (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX outbox_message_id ON outbox (message_id);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_ticket ON outbox (ticket_id);

-- Ticket notifications per receiver: each on or off, with its subject and
-- body template (an empty one means the default text).
CREATE TABLE mail_notifications (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    receiver_id BIGINT NOT NULL,
    event VARCHAR(32) NOT NULL,
    enabled TINYINT(1) NOT NULL DEFAULT 1,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_mail_notifications_receiver_id FOREIGN KEY (receiver_id) REFERENCES receivers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX mail_notifications_event ON mail_notifications (receiver_id, event);
CREATE INDEX outbox_recipients ON outbox (recipients(191), created_at);

-- +goose Down
DROP TABLE mail_notifications;
DROP TABLE outbox;
DROP TABLE mail_senders;
