-- +goose Up
CREATE TABLE users (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    login VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL DEFAULT '',
    email VARCHAR(255) NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role VARCHAR(255) NOT NULL DEFAULT 'technician',
    is_active TINYINT(1) NOT NULL DEFAULT 1,
    last_login_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX users_login ON users (login);
CREATE INDEX users_email ON users (email);

CREATE TABLE sessions (
    id VARCHAR(64) NOT NULL PRIMARY KEY,
    user_id BIGINT NOT NULL,
    csrf_token VARCHAR(255) NOT NULL,
    flash TEXT NOT NULL,
    ip VARCHAR(255) NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    last_seen_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_sessions_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_throttles (
    id VARCHAR(64) NOT NULL PRIMARY KEY,
    failures BIGINT NOT NULL DEFAULT 0,
    window_start DATETIME(6) NOT NULL,
    locked_until DATETIME(6) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE settings (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_events (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at DATETIME(6) NOT NULL,
    user_id BIGINT NULL,
    actor VARCHAR(255) NOT NULL DEFAULT '',
    kind VARCHAR(255) NOT NULL,
    object_type VARCHAR(255) NOT NULL DEFAULT '',
    object_id BIGINT NOT NULL DEFAULT 0,
    message TEXT NOT NULL,
    CONSTRAINT fk_audit_events_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, at);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE TABLE oauth_applications (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    comment TEXT NOT NULL,
    is_active TINYINT(1) NOT NULL DEFAULT 1,
    provider VARCHAR(255) NOT NULL,
    cloud VARCHAR(255) NOT NULL DEFAULT 'global',
    authority_url TEXT NOT NULL,
    client_id VARCHAR(255) NOT NULL DEFAULT '',
    client_secret TEXT NOT NULL,
    client_secret_expires_at DATETIME(6) NULL,
    tenant_id VARCHAR(255) NOT NULL DEFAULT '',
    issuer_url TEXT NOT NULL,
    extra_scopes TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX oauth_applications_name ON oauth_applications (name);

CREATE TABLE oauth_authorizations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    application_id BIGINT NOT NULL,
    email VARCHAR(255) NOT NULL,
    kind VARCHAR(255) NOT NULL DEFAULT 'delegated',
    tenant_id VARCHAR(255) NOT NULL DEFAULT '',
    object_id VARCHAR(255) NOT NULL DEFAULT '',
    subject VARCHAR(255) NOT NULL DEFAULT '',
    upn VARCHAR(255) NOT NULL DEFAULT '',
    access_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL,
    id_token TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at DATETIME(6) NULL,
    refresh_token_at DATETIME(6) NULL,
    last_refresh_at DATETIME(6) NULL,
    state VARCHAR(255) NOT NULL DEFAULT 'valid',
    error_class VARCHAR(255) NOT NULL DEFAULT '',
    last_error TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    next_refresh_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_oauth_authorizations_application_id FOREIGN KEY (application_id) REFERENCES oauth_applications (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX oauth_authorizations_unicity ON oauth_authorizations (application_id, email);
CREATE INDEX oauth_authorizations_next_refresh ON oauth_authorizations (next_refresh_at);

CREATE TABLE oauth_pending (
    state_hash VARCHAR(64) NOT NULL PRIMARY KEY,
    application_id BIGINT NOT NULL,
    authorization_id BIGINT NOT NULL DEFAULT 0,
    receiver_id BIGINT NOT NULL DEFAULT 0,
    user_id BIGINT NOT NULL DEFAULT 0,
    verifier TEXT NOT NULL,
    nonce VARCHAR(255) NOT NULL,
    return_to TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_oauth_pending_application_id FOREIGN KEY (application_id) REFERENCES oauth_applications (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX oauth_pending_expires ON oauth_pending (expires_at);

CREATE TABLE receivers (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    is_active TINYINT(1) NOT NULL DEFAULT 1,
    host VARCHAR(255) NOT NULL DEFAULT '',
    port BIGINT NOT NULL DEFAULT 993,
    security VARCHAR(255) NOT NULL DEFAULT 'ssl',
    validate_cert TINYINT(1) NOT NULL DEFAULT 1,
    application_id BIGINT NULL,
    login VARCHAR(255) NOT NULL DEFAULT '',
    password TEXT NOT NULL,
    folder VARCHAR(255) NOT NULL DEFAULT '',
    accepted_folder VARCHAR(255) NOT NULL DEFAULT '',
    refused_folder VARCHAR(255) NOT NULL DEFAULT '',
    filesize_max BIGINT NOT NULL DEFAULT 2097152,
    use_mail_date TINYINT(1) NOT NULL DEFAULT 0,
    requester_field VARCHAR(255) NOT NULL DEFAULT 'from',
    add_to_to_observer TINYINT(1) NOT NULL DEFAULT 1,
    add_cc_to_observer TINYINT(1) NOT NULL DEFAULT 0,
    collect_only_unread TINYINT(1) NOT NULL DEFAULT 0,
    create_user_from_email TINYINT(1) NOT NULL DEFAULT 0,
    budget BIGINT NOT NULL DEFAULT 100,
    poll_interval_seconds BIGINT NOT NULL DEFAULT 60,
    idle_enabled TINYINT(1) NOT NULL DEFAULT 1,
    errors BIGINT NOT NULL DEFAULT 0,
    state VARCHAR(255) NOT NULL DEFAULT 'ok',
    error_class VARCHAR(255) NOT NULL DEFAULT '',
    last_error TEXT NOT NULL,
    last_collect_at DATETIME(6) NULL,
    next_collect_at DATETIME(6) NULL,
    lease_owner VARCHAR(255) NOT NULL DEFAULT '',
    lease_until DATETIME(6) NULL,
    uidvalidity BIGINT NOT NULL DEFAULT 0,
    last_uid BIGINT NOT NULL DEFAULT 0,
    comment TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_receivers_application_id FOREIGN KEY (application_id) REFERENCES oauth_applications (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX receivers_name ON receivers (name);
CREATE INDEX receivers_due ON receivers (is_active, next_collect_at);
CREATE INDEX receivers_application ON receivers (application_id);

CREATE TABLE collect_runs (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    receiver_id BIGINT NOT NULL,
    trigger_kind VARCHAR(255) NOT NULL DEFAULT 'schedule',
    instance VARCHAR(255) NOT NULL DEFAULT '',
    started_at DATETIME(6) NOT NULL,
    ended_at DATETIME(6) NULL,
    available BIGINT NOT NULL DEFAULT 0,
    already_imported BIGINT NOT NULL DEFAULT 0,
    retrieved BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    errors BIGINT NOT NULL DEFAULT 0,
    blacklisted BIGINT NOT NULL DEFAULT 0,
    error_class VARCHAR(255) NOT NULL DEFAULT '',
    error_text TEXT NOT NULL,
    CONSTRAINT fk_collect_runs_receiver_id FOREIGN KEY (receiver_id) REFERENCES receivers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX collect_runs_receiver ON collect_runs (receiver_id, started_at);
CREATE INDEX collect_runs_started ON collect_runs (started_at);

CREATE TABLE contacts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL DEFAULT '',
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX contacts_email ON contacts (email);

CREATE TABLE tickets (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    title VARCHAR(255) NOT NULL,
    content MEDIUMTEXT NOT NULL,
    status BIGINT NOT NULL DEFAULT 1,
    urgency BIGINT NOT NULL DEFAULT 3,
    request_source VARCHAR(255) NOT NULL DEFAULT 'E-Mail',
    receiver_id BIGINT NULL,
    requester_email VARCHAR(255) NOT NULL DEFAULT '',
    requester_name VARCHAR(255) NOT NULL DEFAULT '',
    linked_ticket_id BIGINT NULL,
    message_id VARCHAR(255) NOT NULL DEFAULT '',
    decision_reason TEXT NOT NULL,
    opened_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    solved_at DATETIME(6) NULL,
    closed_at DATETIME(6) NULL,
    CONSTRAINT fk_tickets_receiver_id FOREIGN KEY (receiver_id) REFERENCES receivers (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX tickets_updated ON tickets (updated_at, id);
CREATE INDEX tickets_opened ON tickets (opened_at, id);
CREATE INDEX tickets_status_updated ON tickets (status, updated_at, id);
CREATE INDEX tickets_receiver_updated ON tickets (receiver_id, updated_at, id);
CREATE INDEX tickets_requester ON tickets (requester_email);

CREATE TABLE ticket_actors (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id BIGINT NOT NULL,
    role VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL DEFAULT '',
    user_id BIGINT NULL,
    contact_id BIGINT NULL,
    CONSTRAINT fk_ticket_actors_ticket_id FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE,
    CONSTRAINT fk_ticket_actors_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT fk_ticket_actors_contact_id FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX ticket_actors_unicity ON ticket_actors (ticket_id, role, email);
CREATE INDEX ticket_actors_email ON ticket_actors (email);

CREATE TABLE followups (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id BIGINT NOT NULL,
    kind VARCHAR(255) NOT NULL DEFAULT 'email',
    author_user_id BIGINT NULL,
    author_email VARCHAR(255) NOT NULL DEFAULT '',
    author_name VARCHAR(255) NOT NULL DEFAULT '',
    content MEDIUMTEXT NOT NULL,
    message_id VARCHAR(255) NOT NULL DEFAULT '',
    decision_reason TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_followups_ticket_id FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE,
    CONSTRAINT fk_followups_author_user_id FOREIGN KEY (author_user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX followups_ticket ON followups (ticket_id, created_at);

CREATE TABLE documents (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id BIGINT NOT NULL,
    followup_id BIGINT NULL,
    name VARCHAR(255) NOT NULL,
    mime_type VARCHAR(255) NOT NULL DEFAULT 'application/octet-stream',
    size BIGINT NOT NULL DEFAULT 0,
    sha256 VARCHAR(255) NOT NULL,
    content_id VARCHAR(255) NOT NULL DEFAULT '',
    is_inline TINYINT(1) NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_documents_ticket_id FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE,
    CONSTRAINT fk_documents_followup_id FOREIGN KEY (followup_id) REFERENCES followups (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX documents_ticket ON documents (ticket_id);
CREATE INDEX documents_sha256 ON documents (sha256);

CREATE TABLE ticket_events (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id BIGINT NOT NULL,
    user_id BIGINT NULL,
    kind VARCHAR(255) NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_ticket_events_ticket_id FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE,
    CONSTRAINT fk_ticket_events_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, created_at);

CREATE TABLE quarantine (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    receiver_id BIGINT NULL,
    from_address VARCHAR(255) NOT NULL DEFAULT '',
    to_address VARCHAR(255) NOT NULL DEFAULT '',
    subject VARCHAR(255) NOT NULL DEFAULT '',
    message_id VARCHAR(255) NOT NULL DEFAULT '',
    mail_date DATETIME(6) NULL,
    reason VARCHAR(255) NOT NULL,
    reason_text TEXT NOT NULL,
    size BIGINT NOT NULL DEFAULT 0,
    raw_sha256 VARCHAR(255) NOT NULL DEFAULT '',
    created_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_quarantine_receiver_id FOREIGN KEY (receiver_id) REFERENCES receivers (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX quarantine_created ON quarantine (created_at);
CREATE INDEX quarantine_receiver ON quarantine (receiver_id, created_at);

CREATE TABLE messages (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    receiver_id BIGINT NOT NULL,
    uidvalidity BIGINT NOT NULL,
    uid BIGINT NOT NULL,
    message_id VARCHAR(255) NOT NULL DEFAULT '',
    content_hash VARCHAR(255) NOT NULL DEFAULT '',
    decision VARCHAR(255) NOT NULL,
    reason VARCHAR(255) NOT NULL DEFAULT '',
    ticket_id BIGINT NULL,
    followup_id BIGINT NULL,
    quarantine_id BIGINT NULL,
    action_done TINYINT(1) NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_messages_receiver_id FOREIGN KEY (receiver_id) REFERENCES receivers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX messages_uid ON messages (receiver_id, uidvalidity, uid);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE INDEX messages_hash ON messages (receiver_id, content_hash);
CREATE INDEX messages_pending ON messages (receiver_id, action_done);

CREATE TABLE blacklist (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind VARCHAR(255) NOT NULL,
    value VARCHAR(255) NOT NULL,
    comment TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX blacklist_unicity ON blacklist (kind, value);

-- +goose Down
DROP TABLE blacklist;
DROP TABLE messages;
DROP TABLE quarantine;
DROP TABLE ticket_events;
DROP TABLE documents;
DROP TABLE followups;
DROP TABLE ticket_actors;
DROP TABLE tickets;
DROP TABLE contacts;
DROP TABLE collect_runs;
DROP TABLE receivers;
DROP TABLE oauth_pending;
DROP TABLE oauth_authorizations;
DROP TABLE oauth_applications;
DROP TABLE audit_events;
DROP TABLE settings;
DROP TABLE login_throttles;
DROP TABLE sessions;
DROP TABLE users;
