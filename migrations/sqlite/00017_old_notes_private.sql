-- +goose Up
-- Before follow-ups could be private (00012), a staff follow-up was either
-- an answer by mail (it has a Message-ID) or a note the form called
-- "Private note (never mailed)" (no Message-ID). Those notes become
-- private, as they were meant: shown with the Private mark, to staff only.
-- Only follow-ups older than the upgrade to 00012 are touched: a public
-- follow-up written since then stays public.
UPDATE followups SET is_private = 1
WHERE kind = 'staff' AND is_private = 0 AND message_id = ''
  AND datetime(created_at) < (SELECT MAX(tstamp) FROM goose_db_version WHERE version_id = 12 AND is_applied);

-- +goose Down
-- Nothing to undo: which private follow-ups were old notes is not kept,
-- and a note stays staff-only either way.
SELECT 1;
