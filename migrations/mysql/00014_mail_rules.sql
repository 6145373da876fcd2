-- +goose Up
-- Mail rules (Setup > Rules for mails): one ordered list of rules with
-- their criteria and actions kept as JSON text (internal/rules' format).
-- receiver_ids is a JSON array of receiver IDs; empty: every receiver.
-- (GLPI's column is "match"; a keyword in both dialects, so match_type.)
CREATE TABLE mail_rules (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ranking BIGINT NOT NULL,
    name VARCHAR(255) NOT NULL,
    description TEXT NOT NULL,
    is_active TINYINT(1) NOT NULL DEFAULT 1,
    match_type VARCHAR(8) NOT NULL DEFAULT 'AND',
    receiver_ids TEXT NOT NULL,
    criteria TEXT NOT NULL,
    actions TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX mail_rules_ranking ON mail_rules (ranking, id);

-- +goose Down
DROP TABLE mail_rules;
