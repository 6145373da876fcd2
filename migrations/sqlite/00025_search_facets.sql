-- +goose Up
-- The list's filters as words (see the MySQL migration of the same
-- number, where the search index holds them). SQLite's index does not:
-- the column is computed when read, stores nothing, and keeps both
-- dialects' tickets table alike.
ALTER TABLE tickets ADD COLUMN search_facets TEXT GENERATED ALWAYS AS ('zqxs' || status ||
    CASE WHEN assignee_count = 0 THEN ' zqxu' ELSE '' END) VIRTUAL;

-- +goose Down
ALTER TABLE tickets DROP COLUMN search_facets;
