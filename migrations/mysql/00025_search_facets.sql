-- +goose Up
-- The list's status filter as a word of the search index, so that a search for a
-- word common in all tickets but rare in a filter (a word in a fifth of
-- the tickets and in none of a status) is answered inside the index:
-- MATCH ... AGAINST ('+vpn +zqxs4') intersects the two words' lists of
-- tickets and reads the row of each ticket left, where walking the
-- filter or listing the word read the row of every ticket of either (1.3 s
-- at 100,000 tickets with a buffer pool smaller than the table). The
-- word is zqxs<status>; a generated column follows every write of the
-- status, whatever the path. Only the status: a change of such a word
-- re-indexes the ticket (about 0.3 ms), and InnoDB keeps the replaced
-- entry, which every query of the index reads, until the index is
-- optimized (100,000 status changes: about 12 ms more a query; an
-- operator's OPTIMIZE TABLE, repeated, with innodb_optimize_fulltext_only
-- removes them: 9 s at 100,000 tickets). A status change is worth it, the assignment
-- of each new ticket to its receiver's default group is not. (And
-- MariaDB computes no column from receiver_id or category_id, whose
-- foreign keys set them to NULL.) The store
-- drops any searched word starting with "zqx", so no search finds these
-- words, and tests each ticket found against the filters themselves.
-- Adding a stored column rebuilds the table once; dropping the FULLTEXT
-- index in the same statement spares InnoDB rebuilding it with the table.
ALTER TABLE tickets DROP INDEX tickets_search,
    ADD COLUMN search_facets VARCHAR(32) AS (CONCAT('zqxs', status)) STORED;
CREATE FULLTEXT INDEX tickets_search ON tickets (title, search_text, requester_email, requester_name, search_facets);

-- +goose Down
ALTER TABLE tickets DROP INDEX tickets_search, DROP COLUMN search_facets;
CREATE FULLTEXT INDEX tickets_search ON tickets (title, search_text, requester_email, requester_name);
