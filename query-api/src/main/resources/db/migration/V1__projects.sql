-- Projects group the apps and sources of one brand; every key belongs to exactly one project.
create table projects (
    id          text primary key,
    name        text not null unique,
    created_at  timestamptz not null default now()
);

-- Write keys are embedded in apps and sites: stored as is, scoped to one project and optionally one source.
create table write_keys (
    write_key   text primary key,
    project_id  text not null references projects (id),
    source      text check (source in ('ios', 'android', 'web', 'server')),
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);
create index write_keys_project on write_keys (project_id);

-- API keys are secrets: only their SHA-256 is stored, with a prefix to recognise them.
create table api_keys (
    key_hash    text primary key,
    key_prefix  text not null,
    project_id  text not null references projects (id),
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);
create index api_keys_project on api_keys (project_id);
