-- +goose Up
-- The path of the redirect URI an application sends: the canonical one, or
-- the one a GLPI installation registered at the provider.
ALTER TABLE oauth_applications ADD COLUMN callback_path TEXT NOT NULL DEFAULT '/front/authorization.callback.php';

-- +goose Down
ALTER TABLE oauth_applications DROP COLUMN callback_path;
