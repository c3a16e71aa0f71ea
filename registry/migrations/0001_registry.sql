-- One schema for SQLite and PostgreSQL: natural text keys, BIGINT numbers
-- (timestamps in Unix seconds, flags as 0/1), no autoincrement.
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

CREATE TABLE user_groups (
    name TEXT PRIMARY KEY,
    default_template TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    user_name TEXT NOT NULL REFERENCES users (name),
    group_name TEXT NOT NULL REFERENCES user_groups (name),
    admin BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_name, group_name)
);

-- Only the SHA-256 of a token is kept; `id` names it for revocation.
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    user_name TEXT NOT NULL REFERENCES users (name),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE templates (
    group_name TEXT NOT NULL REFERENCES user_groups (name),
    name TEXT NOT NULL,
    owner TEXT NOT NULL REFERENCES users (name),
    access TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (group_name, name)
);

CREATE INDEX templates_owner ON templates (owner);
CREATE INDEX templates_access ON templates (access);

-- A version is immutable: its primary key refuses a second publish.
CREATE TABLE versions (
    group_name TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    digest TEXT NOT NULL,
    size BIGINT NOT NULL,
    archive_key TEXT NOT NULL,
    metadata TEXT NOT NULL,
    yanked BIGINT NOT NULL DEFAULT 0,
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (group_name, name, version),
    FOREIGN KEY (group_name, name) REFERENCES templates (group_name, name)
);

CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);

CREATE INDEX audit_at ON audit (at);
