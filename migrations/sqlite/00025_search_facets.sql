-- +goose Up
-- The list's status and category filters as words of the search index,
-- so that a search for a word common in all tickets but rare in a filter
-- is answered by the index alone: '"vpn" AND search_facets : "zqxs4"'
-- reads the two words' lists, newest first, and stops at the first
-- ticket in both (a few milliseconds where a walk through the filter's
-- tickets took 170 ms at a million tickets). The words are zqxs<status>
-- and zqxc<category id>, in a generated column (computed when read, it
-- stores nothing); the store drops any searched word starting with "zqx",
-- so no search finds them, and tests each ticket found against the
-- filters themselves. A change of the status or category re-indexes the
-- ticket. (Not on MySQL: InnoDB keeps every replaced entry of its
-- FULLTEXT index, and each search reads them all, until an OPTIMIZE TABLE
-- with innodb_optimize_fulltext_only, which needs SUPER: the status
-- changes of a helpdesk's life would slow every search.)
ALTER TABLE tickets ADD COLUMN search_facets TEXT GENERATED ALWAYS AS ('zqxs' || status ||
    CASE WHEN category_id IS NULL THEN '' ELSE ' zqxc' || category_id END) VIRTUAL;

DROP TRIGGER ticket_search_insert;
DROP TRIGGER ticket_search_insert_held;
DROP TRIGGER ticket_search_update;
DROP TRIGGER ticket_search_delete;
DROP TABLE ticket_search_terms;
DROP TABLE ticket_search;

CREATE VIRTUAL TABLE ticket_search USING fts5(
    title, search_text, requester_email, requester_name, search_facets,
    content='tickets', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO ticket_search (ticket_search) VALUES ('rebuild');
-- A re-indexed ticket's old entries are removed from the index at once,
-- not left as deletion markers until segments merge: 40,000 status
-- changes among 100,000 tickets made searches two to ten times slower
-- until the index was optimized; removing them costs about 0.7 ms a
-- change instead of 0.04 (2 KB of text).
INSERT INTO ticket_search (ticket_search, rank) VALUES ('secure-delete', 1);
CREATE VIRTUAL TABLE ticket_search_terms USING fts5vocab(ticket_search, instance);

-- +goose StatementBegin
CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets
WHEN NOT EXISTS (SELECT 1 FROM ticket_search_hold) BEGIN
    INSERT INTO ticket_search (rowid, title, search_text, requester_email, requester_name, search_facets)
    VALUES (new.id, new.title, new.search_text, new.requester_email, new.requester_name, new.search_facets);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ticket_search_insert_held AFTER INSERT ON tickets
WHEN EXISTS (SELECT 1 FROM ticket_search_hold) BEGIN
    INSERT INTO ticket_search_pending (ticket_id) VALUES (new.id);
END;
-- +goose StatementEnd

-- Only a change of an indexed value re-indexes the ticket (saving a
-- ticket's classification writes its category even when it is the same).
-- +goose StatementBegin
CREATE TRIGGER ticket_search_update AFTER UPDATE OF id, title, search_text, requester_email, requester_name, status, category_id ON tickets
WHEN NOT EXISTS (SELECT 1 FROM ticket_search_pending WHERE ticket_id = old.id)
    AND (old.id IS NOT new.id OR old.title IS NOT new.title OR old.search_text IS NOT new.search_text
        OR old.requester_email IS NOT new.requester_email OR old.requester_name IS NOT new.requester_name
        OR old.search_facets IS NOT new.search_facets) BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, title, search_text, requester_email, requester_name, search_facets)
    VALUES ('delete', old.id, old.title, old.search_text, old.requester_email, old.requester_name, old.search_facets);
    INSERT INTO ticket_search (rowid, title, search_text, requester_email, requester_name, search_facets)
    VALUES (new.id, new.title, new.search_text, new.requester_email, new.requester_name, new.search_facets);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, title, search_text, requester_email, requester_name, search_facets)
    SELECT 'delete', old.id, old.title, old.search_text, old.requester_email, old.requester_name, old.search_facets
    WHERE NOT EXISTS (SELECT 1 FROM ticket_search_pending WHERE ticket_id = old.id);
    DELETE FROM ticket_search_pending WHERE ticket_id = old.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER ticket_search_insert;
DROP TRIGGER ticket_search_insert_held;
DROP TRIGGER ticket_search_update;
DROP TRIGGER ticket_search_delete;
DROP TABLE ticket_search_terms;
DROP TABLE ticket_search;

CREATE VIRTUAL TABLE ticket_search USING fts5(
    title, search_text, requester_email, requester_name,
    content='tickets', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO ticket_search (ticket_search) VALUES ('rebuild');
CREATE VIRTUAL TABLE ticket_search_terms USING fts5vocab(ticket_search, instance);

-- +goose StatementBegin
CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets
WHEN NOT EXISTS (SELECT 1 FROM ticket_search_hold) BEGIN
    INSERT INTO ticket_search (rowid, title, search_text, requester_email, requester_name)
    VALUES (new.id, new.title, new.search_text, new.requester_email, new.requester_name);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ticket_search_insert_held AFTER INSERT ON tickets
WHEN EXISTS (SELECT 1 FROM ticket_search_hold) BEGIN
    INSERT INTO ticket_search_pending (ticket_id) VALUES (new.id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ticket_search_update AFTER UPDATE OF id, title, search_text, requester_email, requester_name ON tickets
WHEN NOT EXISTS (SELECT 1 FROM ticket_search_pending WHERE ticket_id = old.id) BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, title, search_text, requester_email, requester_name)
    VALUES ('delete', old.id, old.title, old.search_text, old.requester_email, old.requester_name);
    INSERT INTO ticket_search (rowid, title, search_text, requester_email, requester_name)
    VALUES (new.id, new.title, new.search_text, new.requester_email, new.requester_name);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, title, search_text, requester_email, requester_name)
    SELECT 'delete', old.id, old.title, old.search_text, old.requester_email, old.requester_name
    WHERE NOT EXISTS (SELECT 1 FROM ticket_search_pending WHERE ticket_id = old.id);
    DELETE FROM ticket_search_pending WHERE ticket_id = old.id;
END;
-- +goose StatementEnd

ALTER TABLE tickets DROP COLUMN search_facets;
