-- Credential references: a role to assume, never a secret. The columns
-- hold nothing that would let anyone act in AWS without their own
-- credentials (the role's trust policy still decides who may assume it).
CREATE TABLE credential_refs (
    group_name TEXT NOT NULL REFERENCES user_groups (name),
    name TEXT NOT NULL,
    owner TEXT NOT NULL REFERENCES users (name),
    access TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    region TEXT NOT NULL,
    external_id TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (group_name, name)
);
