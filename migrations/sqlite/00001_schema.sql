-- +goose Up
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT 'technician',
    is_active BOOLEAN NOT NULL DEFAULT 1,
    last_login_at DATETIME NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX users_login ON users (login);
CREATE INDEX users_email ON users (email);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    flash TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE login_throttles (
    id TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    window_start DATETIME NOT NULL,
    locked_until DATETIME NULL
);

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL DEFAULT '',
    updated_at DATETIME NOT NULL
);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at DATETIME NOT NULL,
    user_id INTEGER NULL REFERENCES users (id) ON DELETE SET NULL,
    actor TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, at);
CREATE INDEX audit_events_at ON audit_events (at);

CREATE TABLE oauth_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    is_active BOOLEAN NOT NULL DEFAULT 1,
    provider TEXT NOT NULL,
    cloud TEXT NOT NULL DEFAULT 'global',
    authority_url TEXT NOT NULL DEFAULT '',
    client_id TEXT NOT NULL DEFAULT '',
    client_secret TEXT NOT NULL DEFAULT '',
    client_secret_expires_at DATETIME NULL,
    tenant_id TEXT NOT NULL DEFAULT '',
    issuer_url TEXT NOT NULL DEFAULT '',
    extra_scopes TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX oauth_applications_name ON oauth_applications (name);

CREATE TABLE oauth_authorizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id INTEGER NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'delegated',
    tenant_id TEXT NOT NULL DEFAULT '',
    object_id TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    upn TEXT NOT NULL DEFAULT '',
    access_token TEXT NOT NULL DEFAULT '',
    refresh_token TEXT NOT NULL DEFAULT '',
    id_token TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL DEFAULT '',
    expires_at DATETIME NULL,
    refresh_token_at DATETIME NULL,
    last_refresh_at DATETIME NULL,
    state TEXT NOT NULL DEFAULT 'valid',
    error_class TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    failures INTEGER NOT NULL DEFAULT 0,
    next_refresh_at DATETIME NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX oauth_authorizations_unicity ON oauth_authorizations (application_id, email);
CREATE INDEX oauth_authorizations_next_refresh ON oauth_authorizations (next_refresh_at);

CREATE TABLE oauth_pending (
    state_hash TEXT PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES oauth_applications (id) ON DELETE CASCADE,
    authorization_id INTEGER NOT NULL DEFAULT 0,
    receiver_id INTEGER NOT NULL DEFAULT 0,
    user_id INTEGER NOT NULL DEFAULT 0,
    verifier TEXT NOT NULL,
    nonce TEXT NOT NULL,
    return_to TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
CREATE INDEX oauth_pending_expires ON oauth_pending (expires_at);

CREATE TABLE receivers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT 1,
    host TEXT NOT NULL DEFAULT '',
    port INTEGER NOT NULL DEFAULT 993,
    security TEXT NOT NULL DEFAULT 'ssl',
    validate_cert BOOLEAN NOT NULL DEFAULT 1,
    application_id INTEGER NULL REFERENCES oauth_applications (id) ON DELETE SET NULL,
    login TEXT NOT NULL DEFAULT '',
    password TEXT NOT NULL DEFAULT '',
    folder TEXT NOT NULL DEFAULT '',
    accepted_folder TEXT NOT NULL DEFAULT '',
    refused_folder TEXT NOT NULL DEFAULT '',
    filesize_max INTEGER NOT NULL DEFAULT 2097152,
    use_mail_date BOOLEAN NOT NULL DEFAULT 0,
    requester_field TEXT NOT NULL DEFAULT 'from',
    add_to_to_observer BOOLEAN NOT NULL DEFAULT 1,
    add_cc_to_observer BOOLEAN NOT NULL DEFAULT 0,
    collect_only_unread BOOLEAN NOT NULL DEFAULT 0,
    create_user_from_email BOOLEAN NOT NULL DEFAULT 0,
    budget INTEGER NOT NULL DEFAULT 100,
    poll_interval_seconds INTEGER NOT NULL DEFAULT 60,
    idle_enabled BOOLEAN NOT NULL DEFAULT 1,
    errors INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'ok',
    error_class TEXT NOT NULL DEFAULT '',
    last_error TEXT NOT NULL DEFAULT '',
    last_collect_at DATETIME NULL,
    next_collect_at DATETIME NULL,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until DATETIME NULL,
    uidvalidity INTEGER NOT NULL DEFAULT 0,
    last_uid INTEGER NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX receivers_name ON receivers (name);
CREATE INDEX receivers_due ON receivers (is_active, next_collect_at);
CREATE INDEX receivers_application ON receivers (application_id);

CREATE TABLE collect_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receiver_id INTEGER NOT NULL REFERENCES receivers (id) ON DELETE CASCADE,
    trigger_kind TEXT NOT NULL DEFAULT 'schedule',
    instance TEXT NOT NULL DEFAULT '',
    started_at DATETIME NOT NULL,
    ended_at DATETIME NULL,
    available INTEGER NOT NULL DEFAULT 0,
    already_imported INTEGER NOT NULL DEFAULT 0,
    retrieved INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    blacklisted INTEGER NOT NULL DEFAULT 0,
    error_class TEXT NOT NULL DEFAULT '',
    error_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX collect_runs_receiver ON collect_runs (receiver_id, started_at);
CREATE INDEX collect_runs_started ON collect_runs (started_at);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX contacts_email ON contacts (email);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    status INTEGER NOT NULL DEFAULT 1,
    urgency INTEGER NOT NULL DEFAULT 3,
    request_source TEXT NOT NULL DEFAULT 'E-Mail',
    receiver_id INTEGER NULL REFERENCES receivers (id) ON DELETE SET NULL,
    requester_email TEXT NOT NULL DEFAULT '',
    requester_name TEXT NOT NULL DEFAULT '',
    linked_ticket_id INTEGER NULL,
    message_id TEXT NOT NULL DEFAULT '',
    decision_reason TEXT NOT NULL DEFAULT '',
    opened_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    solved_at DATETIME NULL,
    closed_at DATETIME NULL
);
CREATE INDEX tickets_updated ON tickets (updated_at, id);
CREATE INDEX tickets_opened ON tickets (opened_at, id);
CREATE INDEX tickets_status_updated ON tickets (status, updated_at, id);
CREATE INDEX tickets_receiver_updated ON tickets (receiver_id, updated_at, id);
CREATE INDEX tickets_requester ON tickets (requester_email);

CREATE TABLE ticket_actors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    user_id INTEGER NULL REFERENCES users (id) ON DELETE SET NULL,
    contact_id INTEGER NULL REFERENCES contacts (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX ticket_actors_unicity ON ticket_actors (ticket_id, role, email);
CREATE INDEX ticket_actors_email ON ticket_actors (email);

CREATE TABLE followups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT 'email',
    author_user_id INTEGER NULL REFERENCES users (id) ON DELETE SET NULL,
    author_email TEXT NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL DEFAULT '',
    decision_reason TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX followups_ticket ON followups (ticket_id, created_at);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    followup_id INTEGER NULL REFERENCES followups (id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    mime_type TEXT NOT NULL DEFAULT 'application/octet-stream',
    size INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL,
    content_id TEXT NOT NULL DEFAULT '',
    is_inline BOOLEAN NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);
CREATE INDEX documents_ticket ON documents (ticket_id);
CREATE INDEX documents_sha256 ON documents (sha256);

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id INTEGER NULL REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    old_value TEXT NOT NULL DEFAULT '',
    new_value TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, created_at);

CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receiver_id INTEGER NULL REFERENCES receivers (id) ON DELETE SET NULL,
    from_address TEXT NOT NULL DEFAULT '',
    to_address TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    message_id TEXT NOT NULL DEFAULT '',
    mail_date DATETIME NULL,
    reason TEXT NOT NULL,
    reason_text TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    raw_sha256 TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX quarantine_created ON quarantine (created_at);
CREATE INDEX quarantine_receiver ON quarantine (receiver_id, created_at);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receiver_id INTEGER NOT NULL REFERENCES receivers (id) ON DELETE CASCADE,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    decision TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    ticket_id INTEGER NULL,
    followup_id INTEGER NULL,
    quarantine_id INTEGER NULL,
    action_done BOOLEAN NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX messages_uid ON messages (receiver_id, uidvalidity, uid);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE INDEX messages_hash ON messages (receiver_id, content_hash);
CREATE INDEX messages_pending ON messages (receiver_id, action_done);

CREATE TABLE blacklist (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
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
