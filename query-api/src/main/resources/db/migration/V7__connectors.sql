-- The channel connectors of each project (one per channel), configured through the API and published to the
-- compacted topic cdp.connectors for the activation job. The configuration holds secrets (passwords, API keys,
-- signing keys): the API never returns them, and this table needs the access rights of a secret store.
create table connectors (
    project_id  text        not null references projects (id),
    channel     text        not null check (channel in ('email', 'sms', 'web_push', 'webhook')),
    version     integer     not null check (version >= 1),
    config      json        not null,
    url         text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    deleted_at  timestamptz,
    primary key (project_id, channel)
);

-- Automations may name their template (action.template) by name as well as by id: a name is unique among the
-- project's live templates.
create unique index templates_live_name on templates (project_id, name) where deleted_at is null;
