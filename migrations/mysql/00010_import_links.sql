-- +goose Up
-- What an import brought over: the object here made from a row of another
-- installation (a GLPI database), so a second import updates, never duplicates.
CREATE TABLE import_links (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    source VARCHAR(64) NOT NULL,
    kind VARCHAR(32) NOT NULL,
    source_id BIGINT NOT NULL,
    object_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX import_links_unicity ON import_links (source, kind, source_id);

-- +goose Down
DROP TABLE import_links;
