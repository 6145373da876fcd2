-- +goose Up
-- The ticket list's search indexes a ticket's text, not its HTML: a search
-- for "div" or "href" no longer finds every HTML mail. search_text is the
-- text of content (tags dropped, entities decoded), written by the store
-- with the ticket; tickets written before this migration get theirs when
-- the store migrates (NULL until then, see search_text_backlog). The FULLTEXT index covers
-- search_text where it covered content.
-- One ALTER: dropping the FULLTEXT index in the same statement spares
-- InnoDB a rebuild of the old index with the table.
ALTER TABLE tickets DROP INDEX tickets_search, ADD COLUMN search_text MEDIUMTEXT NULL;
CREATE FULLTEXT INDEX tickets_search ON tickets (title, search_text, requester_email, requester_name);

-- The tickets below this ID were written before search_text existed; the
-- store writes their text when it migrates, newest first, a batch per
-- transaction, lowering the bound as it goes (so a restart resumes), and
-- deletes the row when done.
CREATE TABLE search_text_backlog (below BIGINT NOT NULL);
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
DROP INDEX tickets_assignees_id ON tickets;
DROP INDEX tickets_category_id ON tickets;
DROP INDEX tickets_receiver_id ON tickets;
DROP INDEX tickets_status_id ON tickets;
DROP INDEX tickets_search ON tickets;
CREATE FULLTEXT INDEX tickets_search ON tickets (title, content, requester_email, requester_name);
ALTER TABLE tickets DROP COLUMN search_text;
