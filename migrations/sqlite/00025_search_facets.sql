-- +goose Up
-- The list's status filter as a word (see the MySQL migration of the same
-- number, where the search index holds them). SQLite's index does not:
-- the column is computed when read, stores nothing, and keeps both
-- dialects' tickets table alike.
ALTER TABLE tickets ADD COLUMN search_facets TEXT GENERATED ALWAYS AS ('zqxs' || status) VIRTUAL;

-- +goose Down
ALTER TABLE tickets DROP COLUMN search_facets;
