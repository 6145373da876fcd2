-- +goose Up
-- Ticket work as GLPI's: groups of staff, ITIL categories, type, impact and
-- priority, actors who are users or groups, private follow-ups, the
-- priority matrix, and a receiver's defaults for its new tickets.
CREATE TABLE staff_groups (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    comment TEXT NOT NULL,
    is_assign TINYINT(1) NOT NULL DEFAULT 1,
    is_requester TINYINT(1) NOT NULL DEFAULT 1,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE UNIQUE INDEX staff_groups_name ON staff_groups (name);

CREATE TABLE group_users (
    group_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id),
    CONSTRAINT fk_group_users_group_id FOREIGN KEY (group_id) REFERENCES staff_groups (id) ON DELETE CASCADE,
    CONSTRAINT fk_group_users_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX group_users_user ON group_users (user_id, group_id);

CREATE TABLE itil_categories (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    parent_id BIGINT NULL,
    name VARCHAR(255) NOT NULL,
    comment TEXT NOT NULL,
    is_active TINYINT(1) NOT NULL DEFAULT 1,
    full_name TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT fk_itil_categories_parent_id FOREIGN KEY (parent_id) REFERENCES itil_categories (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE tickets ADD COLUMN type BIGINT NOT NULL DEFAULT 1,
    ADD COLUMN impact BIGINT NOT NULL DEFAULT 3,
    ADD COLUMN priority BIGINT NOT NULL DEFAULT 3,
    ADD COLUMN category_id BIGINT NULL,
    ADD COLUMN assignee_count BIGINT NOT NULL DEFAULT 0,
    ADD CONSTRAINT fk_tickets_category_id FOREIGN KEY (category_id) REFERENCES itil_categories (id) ON DELETE SET NULL;
CREATE INDEX tickets_category_updated ON tickets (category_id, updated_at, id);
-- How many users and groups are assigned: kept by the store with the
-- assignments, so "Unassigned" reads an index instead of probing two tables.
CREATE INDEX tickets_assignees_updated ON tickets (assignee_count, updated_at, id);
-- The list sorted by priority orders by (priority, id): an index entry ends with the row id.
CREATE INDEX tickets_priority ON tickets (priority);

-- Users and groups on a ticket (e-mail contacts stay in ticket_actors).
CREATE TABLE ticket_users (
    ticket_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    role VARCHAR(32) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (ticket_id, role, user_id),
    CONSTRAINT fk_ticket_users_ticket_id FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE,
    CONSTRAINT fk_ticket_users_user_id FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ticket_users_user ON ticket_users (user_id, role, ticket_id);

CREATE TABLE ticket_groups (
    ticket_id BIGINT NOT NULL,
    group_id BIGINT NOT NULL,
    role VARCHAR(32) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (ticket_id, role, group_id),
    CONSTRAINT fk_ticket_groups_ticket_id FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE,
    CONSTRAINT fk_ticket_groups_group_id FOREIGN KEY (group_id) REFERENCES staff_groups (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ticket_groups_group ON ticket_groups (group_id, role, ticket_id);

ALTER TABLE followups ADD COLUMN is_private TINYINT(1) NOT NULL DEFAULT 0;

-- GLPI's default matrix: priority by urgency (row) and impact (column).
CREATE TABLE priority_matrix (
    urgency BIGINT NOT NULL,
    impact BIGINT NOT NULL,
    priority BIGINT NOT NULL,
    PRIMARY KEY (urgency, impact)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO priority_matrix (urgency, impact, priority) VALUES
    (1,1,1),(1,2,1),(1,3,2),(1,4,2),(1,5,2),
    (2,1,1),(2,2,2),(2,3,2),(2,4,3),(2,5,3),
    (3,1,2),(3,2,2),(3,3,3),(3,4,4),(3,5,4),
    (4,1,2),(4,2,3),(4,3,4),(4,4,4),(4,5,5),
    (5,1,2),(5,2,3),(5,3,4),(5,4,5),(5,5,5);

ALTER TABLE receivers ADD COLUMN default_group_id BIGINT NULL,
    ADD COLUMN default_category_id BIGINT NULL,
    ADD COLUMN default_type BIGINT NOT NULL DEFAULT 0,
    ADD CONSTRAINT fk_receivers_default_group_id FOREIGN KEY (default_group_id) REFERENCES staff_groups (id) ON DELETE SET NULL,
    ADD CONSTRAINT fk_receivers_default_category_id FOREIGN KEY (default_category_id) REFERENCES itil_categories (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE receivers DROP FOREIGN KEY fk_receivers_default_category_id,
    DROP FOREIGN KEY fk_receivers_default_group_id,
    DROP COLUMN default_type, DROP COLUMN default_category_id, DROP COLUMN default_group_id;
DROP TABLE priority_matrix;
ALTER TABLE followups DROP COLUMN is_private;
DROP TABLE ticket_groups;
DROP TABLE ticket_users;
ALTER TABLE tickets DROP FOREIGN KEY fk_tickets_category_id;
DROP INDEX tickets_priority ON tickets;
DROP INDEX tickets_category_updated ON tickets;
DROP INDEX tickets_assignees_updated ON tickets;
ALTER TABLE tickets DROP COLUMN assignee_count, DROP COLUMN category_id, DROP COLUMN priority, DROP COLUMN impact, DROP COLUMN type;
DROP TABLE itil_categories;
DROP TABLE group_users;
DROP TABLE staff_groups;
