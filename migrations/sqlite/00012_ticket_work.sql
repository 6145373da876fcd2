-- +goose Up
-- Ticket work as GLPI's: groups of staff, ITIL categories, type, impact and
-- priority, actors who are users or groups, private follow-ups, the
-- priority matrix, and a receiver's defaults for its new tickets.
-- (Columns added to existing tables carry no REFERENCES: SQLite could not
-- drop them again; the store clears them when their row is deleted.)
CREATE TABLE staff_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    is_assign BOOLEAN NOT NULL DEFAULT 1,
    is_requester BOOLEAN NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX staff_groups_name ON staff_groups (name);

CREATE TABLE group_users (
    group_id INTEGER NOT NULL REFERENCES staff_groups (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_users_user ON group_users (user_id, group_id);

CREATE TABLE itil_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id INTEGER NULL REFERENCES itil_categories (id) ON DELETE RESTRICT,
    name TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    is_active BOOLEAN NOT NULL DEFAULT 1,
    full_name TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX itil_categories_parent ON itil_categories (parent_id);

ALTER TABLE tickets ADD COLUMN type INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tickets ADD COLUMN impact INTEGER NOT NULL DEFAULT 3;
ALTER TABLE tickets ADD COLUMN priority INTEGER NOT NULL DEFAULT 3;
ALTER TABLE tickets ADD COLUMN category_id INTEGER NULL;
-- How many users and groups are assigned: kept by the store with the
-- assignments, so "Unassigned" reads an index instead of probing two tables.
ALTER TABLE tickets ADD COLUMN assignee_count INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tickets_assignees_updated ON tickets (assignee_count, updated_at, id);
CREATE INDEX tickets_category_updated ON tickets (category_id, updated_at, id);
-- The list sorted by priority orders by (priority, id): an index entry ends with the row id.
CREATE INDEX tickets_priority ON tickets (priority);

-- Users and groups on a ticket (e-mail contacts stay in ticket_actors).
CREATE TABLE ticket_users (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (ticket_id, role, user_id)
);
CREATE INDEX ticket_users_user ON ticket_users (user_id, role, ticket_id);

CREATE TABLE ticket_groups (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES staff_groups (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (ticket_id, role, group_id)
);
CREATE INDEX ticket_groups_group ON ticket_groups (group_id, role, ticket_id);

ALTER TABLE followups ADD COLUMN is_private BOOLEAN NOT NULL DEFAULT 0;

-- GLPI's default matrix: priority by urgency (row) and impact (column).
CREATE TABLE priority_matrix (
    urgency INTEGER NOT NULL,
    impact INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    PRIMARY KEY (urgency, impact)
);
INSERT INTO priority_matrix (urgency, impact, priority) VALUES
    (1,1,1),(1,2,1),(1,3,2),(1,4,2),(1,5,2),
    (2,1,1),(2,2,2),(2,3,2),(2,4,3),(2,5,3),
    (3,1,2),(3,2,2),(3,3,3),(3,4,4),(3,5,4),
    (4,1,2),(4,2,3),(4,3,4),(4,4,4),(4,5,5),
    (5,1,2),(5,2,3),(5,3,4),(5,4,5),(5,5,5);

ALTER TABLE receivers ADD COLUMN default_group_id INTEGER NULL;
ALTER TABLE receivers ADD COLUMN default_category_id INTEGER NULL;
ALTER TABLE receivers ADD COLUMN default_type INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE receivers DROP COLUMN default_type;
ALTER TABLE receivers DROP COLUMN default_category_id;
ALTER TABLE receivers DROP COLUMN default_group_id;
DROP TABLE priority_matrix;
ALTER TABLE followups DROP COLUMN is_private;
DROP TABLE ticket_groups;
DROP TABLE ticket_users;
DROP INDEX tickets_priority;
DROP INDEX tickets_category_updated;
DROP INDEX tickets_assignees_updated;
ALTER TABLE tickets DROP COLUMN assignee_count;
ALTER TABLE tickets DROP COLUMN category_id;
ALTER TABLE tickets DROP COLUMN priority;
ALTER TABLE tickets DROP COLUMN impact;
ALTER TABLE tickets DROP COLUMN type;
DROP TABLE itil_categories;
DROP TABLE group_users;
DROP TABLE staff_groups;
