-- +goose Up
-- Import automatic notifications (Auto-Submitted: auto-generated) instead of
-- refusing them; automatic replies are refused all the same.
ALTER TABLE receivers ADD COLUMN import_auto_notifications BOOLEAN NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE receivers DROP COLUMN import_auto_notifications;
