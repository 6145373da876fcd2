-- +goose Up
-- What an import brought over: the object here made from a row of another
-- installation (a GLPI database), so a second import updates, never duplicates.
CREATE TABLE import_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    source_id INTEGER NOT NULL,
    object_id INTEGER NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX import_links_unicity ON import_links (source, kind, source_id);

-- +goose Down
DROP TABLE import_links;
