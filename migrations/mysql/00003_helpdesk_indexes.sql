-- +goose Up
-- Threading looks mail up by Message-ID in tickets and follow-ups as well
-- as in the ledger; the ticket list sorts by title; the quarantine purge
-- asks whether a raw message is still referenced.
CREATE INDEX tickets_message_id ON tickets (message_id);
CREATE INDEX tickets_title ON tickets (title, id);
CREATE INDEX followups_message_id ON followups (message_id);
CREATE INDEX quarantine_raw ON quarantine (raw_sha256);

-- +goose Down
DROP INDEX quarantine_raw ON quarantine;
DROP INDEX followups_message_id ON followups;
DROP INDEX tickets_title ON tickets;
DROP INDEX tickets_message_id ON tickets;
