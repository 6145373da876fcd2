-- +goose Up
-- The ticket list's search: one FULLTEXT index over the words of a ticket's
-- title, content and requester (e-mail and name), queried with MATCH ...
-- AGAINST in boolean mode. The content is indexed as stored, HTML and all
-- (the SQLite FTS5 index does the same, so both dialects find the same
-- tickets). Adding the first FULLTEXT index rebuilds the table once.
CREATE FULLTEXT INDEX tickets_search ON tickets (title, content, requester_email, requester_name);

-- A receiver's tickets sorted by title walk this index in order.
CREATE INDEX tickets_receiver_title ON tickets (receiver_id, title, id);

-- +goose Down
DROP INDEX tickets_receiver_title ON tickets;
DROP INDEX tickets_search ON tickets;
