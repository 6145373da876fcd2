-- +goose Up
-- Mail rules (Setup > Rules for mails): one ordered list of rules with
-- their criteria and actions kept as JSON text (internal/rules' format).
-- receiver_ids is a JSON array of receiver IDs; empty: every receiver.
-- (GLPI's column is "match"; a keyword in both dialects, so match_type.)
CREATE TABLE mail_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ranking INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    is_active BOOLEAN NOT NULL DEFAULT 1,
    match_type TEXT NOT NULL DEFAULT 'AND',
    receiver_ids TEXT NOT NULL DEFAULT '[]',
    criteria TEXT NOT NULL DEFAULT '[]',
    actions TEXT NOT NULL DEFAULT '[]',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX mail_rules_ranking ON mail_rules (ranking, id);

-- +goose Down
DROP TABLE mail_rules;
