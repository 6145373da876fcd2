-- +goose Up
-- The words the search index holds, for a half-typed last word of a search
-- (the store's ftsMatch): FTS5 reads a prefix query ("network"*) by
-- building the whole list of the tickets holding any word that starts so,
-- a few milliseconds per query for a word in a tenth of 100,000 tickets,
-- and a search of a filtered list asks several such queries. Looking up
-- here the few words of the index that start with it (each row is one
-- place a word is found; a lookup by a range of words reads the first),
-- the store asks for them as whole words instead, which the index reads
-- newest first and stops early. This table stores nothing: it reads the
-- index of ticket_search.
CREATE VIRTUAL TABLE ticket_search_terms USING fts5vocab(ticket_search, instance);

-- +goose Down
DROP TABLE ticket_search_terms;
