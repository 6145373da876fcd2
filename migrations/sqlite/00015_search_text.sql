-- +goose Up
-- The ticket list's search indexes a ticket's text, not its HTML: a search
-- for "div" or "href" no longer finds every HTML mail. search_text is the
-- text of content (tags dropped, entities decoded), written by the store
-- with the ticket; tickets written before this migration get theirs when
-- the store migrates (NULL until then, see search_text_backlog). The FTS5 index reads search_text
-- where it read content.
ALTER TABLE tickets ADD COLUMN search_text TEXT NULL;

DROP TRIGGER ticket_search_update;
DROP TRIGGER ticket_search_delete;
DROP TRIGGER ticket_search_insert;
DROP TABLE ticket_search;

CREATE VIRTUAL TABLE ticket_search USING fts5(
    title, search_text, requester_email, requester_name,
    content='tickets', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);

-- +goose StatementBegin
CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_search (rowid, title, search_text, requester_email, requester_name)
    VALUES (new.id, new.title, new.search_text, new.requester_email, new.requester_name);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ticket_search_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, title, search_text, requester_email, requester_name)
    VALUES ('delete', old.id, old.title, old.search_text, old.requester_email, old.requester_name);
END;
-- +goose StatementEnd

-- Status changes and touches update tickets all day; only a change of an
-- indexed column re-indexes the row.
-- +goose StatementBegin
CREATE TRIGGER ticket_search_update AFTER UPDATE OF id, title, search_text, requester_email, requester_name ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, title, search_text, requester_email, requester_name)
    VALUES ('delete', old.id, old.title, old.search_text, old.requester_email, old.requester_name);
    INSERT INTO ticket_search (rowid, title, search_text, requester_email, requester_name)
    VALUES (new.id, new.title, new.search_text, new.requester_email, new.requester_name);
END;
-- +goose StatementEnd

-- Titles and requesters of the tickets already there; their text comes
-- with the store's backfill (an UPDATE of search_text re-indexes them).
INSERT INTO ticket_search (ticket_search) VALUES ('rebuild');

-- The tickets below this ID were written before search_text existed; the
-- store writes their text when it migrates, newest first, a batch per
-- transaction, lowering the bound as it goes (so a restart resumes), and
-- deletes the row when done.
CREATE TABLE search_text_backlog (below INTEGER NOT NULL);
INSERT INTO search_text_backlog (below) SELECT COALESCE(MAX(id), 0) + 1 FROM tickets;

-- A search for common words walks the tickets of a filter newest first
-- (highest ID first) and stops after the first few hundred matches; these
-- indexes hold each filter's tickets in ID order (an index entry ends
-- with the row's ID).
CREATE INDEX tickets_status_id ON tickets (status);
CREATE INDEX tickets_receiver_id ON tickets (receiver_id);
CREATE INDEX tickets_category_id ON tickets (category_id);
CREATE INDEX tickets_assignees_id ON tickets (assignee_count);

-- +goose Down
DROP TABLE search_text_backlog;
DROP INDEX tickets_assignees_id;
DROP INDEX tickets_category_id;
DROP INDEX tickets_receiver_id;
DROP INDEX tickets_status_id;
DROP TRIGGER ticket_search_update;
DROP TRIGGER ticket_search_delete;
DROP TRIGGER ticket_search_insert;
DROP TABLE ticket_search;
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
-- +goose StatementBegin
CREATE TRIGGER ticket_search_update AFTER UPDATE OF id, title, content, requester_email, requester_name ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, title, content, requester_email, requester_name)
    VALUES ('delete', old.id, old.title, old.content, old.requester_email, old.requester_name);
    INSERT INTO ticket_search (rowid, title, content, requester_email, requester_name)
    VALUES (new.id, new.title, new.content, new.requester_email, new.requester_name);
END;
-- +goose StatementEnd
ALTER TABLE tickets DROP COLUMN search_text;
