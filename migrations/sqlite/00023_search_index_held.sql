-- +goose Up
-- A collector batch writes up to a few hundred tickets in one transaction.
-- FTS5 writes the terms it holds in memory at the start of every statement
-- that changes its table, so a trigger indexing each inserted ticket wrote a
-- small index segment per ticket (and merged them). While a transaction
-- holds the index (the row of ticket_search_hold), an inserted ticket is
-- listed in ticket_search_pending instead, and the store indexes the list
-- with one statement before the transaction commits (Store.HoldSearchIndex):
-- a committed ticket is always in the index.
CREATE TABLE ticket_search_hold (id INTEGER PRIMARY KEY CHECK (id = 1));
CREATE TABLE ticket_search_pending (ticket_id INTEGER PRIMARY KEY);

DROP TRIGGER ticket_search_insert;
DROP TRIGGER ticket_search_update;
DROP TRIGGER ticket_search_delete;

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

-- A pending ticket is not in the index yet: a change or a deletion leaves
-- the index alone (the ticket is indexed with its values at the end).
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

-- +goose Down
-- Nothing is pending outside a transaction; index it all the same.
INSERT INTO ticket_search (rowid, title, search_text, requester_email, requester_name)
SELECT t.id, t.title, t.search_text, t.requester_email, t.requester_name
FROM ticket_search_pending p JOIN tickets t ON t.id = p.ticket_id;
DROP TRIGGER ticket_search_delete;
DROP TRIGGER ticket_search_update;
DROP TRIGGER ticket_search_insert_held;
DROP TRIGGER ticket_search_insert;

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

-- +goose StatementBegin
CREATE TRIGGER ticket_search_update AFTER UPDATE OF id, title, search_text, requester_email, requester_name ON tickets BEGIN
    INSERT INTO ticket_search (ticket_search, rowid, title, search_text, requester_email, requester_name)
    VALUES ('delete', old.id, old.title, old.search_text, old.requester_email, old.requester_name);
    INSERT INTO ticket_search (rowid, title, search_text, requester_email, requester_name)
    VALUES (new.id, new.title, new.search_text, new.requester_email, new.requester_name);
END;
-- +goose StatementEnd

DROP TABLE ticket_search_pending;
DROP TABLE ticket_search_hold;
