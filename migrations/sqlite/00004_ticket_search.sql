-- +goose Up
-- The ticket list's search: an FTS5 index over the words of a ticket's
-- title, content and requester (e-mail and name). It is an external-content
-- table (content='tickets'): the words are indexed, the text is not stored
-- twice. The content is indexed as stored, HTML and all: SQLite has no way
-- to strip tags inside a trigger, so a search for a tag or attribute name
-- (p, div, href) also finds tickets whose HTML holds it. unicode61 folds
-- case and, with remove_diacritics 2, accents ("cafe" finds "café").
CREATE VIRTUAL TABLE ticket_search USING fts5(
    title, content, requester_email, requester_name,
    content='tickets', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO ticket_search (ticket_search) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_search (rowid, title, content, requester_email, requester_name)
    VALUES (new.id, new.title, new.content, new.requester_email, new.requester_name);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, title, content, requester_email, requester_name)
    VALUES ('delete', old.id, old.title, old.content, old.requester_email, old.requester_name);
END;
-- +goose StatementEnd

-- Status changes and touches update tickets all day; only a change of an
-- indexed column re-indexes the row.
-- +goose StatementBegin
CREATE TRIGGER ticket_search_update AFTER UPDATE OF id, title, content, requester_email, requester_name ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, title, content, requester_email, requester_name)
    VALUES ('delete', old.id, old.title, old.content, old.requester_email, old.requester_name);
    INSERT INTO ticket_search (rowid, title, content, requester_email, requester_name)
    VALUES (new.id, new.title, new.content, new.requester_email, new.requester_name);
END;
-- +goose StatementEnd

-- A receiver's tickets sorted by title walk this index in order.
CREATE INDEX tickets_receiver_title ON tickets (receiver_id, title, id);

-- +goose Down
DROP INDEX tickets_receiver_title;
DROP TRIGGER ticket_search_update;
DROP TRIGGER ticket_search_delete;
DROP TRIGGER ticket_search_insert;
DROP TABLE ticket_search;
