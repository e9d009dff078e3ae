-- Event-triggered automations defined by marketers through the API and run by the automation pipeline (Flink).
-- The definition is the JSON the API validated; json (not jsonb) keeps the marketer's text and key order.
-- A deleted automation keeps its row with status 'deleted': the pipeline is told to stop it, and its history stays.
create table automations (
    id          text        primary key,
    project_id  text        not null references projects (id),
    name        text        not null,
    status      text        not null check (status in ('draft', 'active', 'paused', 'deleted')),
    version     integer     not null check (version >= 1),
    definition  json        not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
create index automations_project on automations (project_id, created_at desc);

-- Every version of every definition, kept forever: version n is the definition the automation had as version n.
-- Status changes (activate, pause, delete) do not make versions.
create table automation_versions (
    automation_id text        not null references automations (id),
    version       integer     not null check (version >= 1),
    definition    json        not null,
    created_at    timestamptz not null default now(),
    primary key (automation_id, version)
);
