-- Message templates written by marketers through the API (Liquid texts, per channel), and the snippets they
-- include. The definition is the JSON the API validated; json (not jsonb) keeps the marketer's text and key order.
-- A deleted template keeps its row (deleted_at set) and its versions: messages record the version they used.
create table templates (
    id          text        primary key,
    project_id  text        not null references projects (id),
    name        text        not null,
    channel     text        not null check (channel in ('email', 'push', 'sms', 'webhook')),
    version     integer     not null check (version >= 1),
    definition  json        not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    deleted_at  timestamptz
);
create index templates_project on templates (project_id, created_at desc);

-- Every version of every template, kept forever: version n is the definition the template had as version n.
create table template_versions (
    template_id text        not null references templates (id),
    version     integer     not null check (version >= 1),
    definition  json        not null,
    created_at  timestamptz not null default now(),
    primary key (template_id, version)
);

-- Reusable Liquid partials of a project, included by name ({% include 'footer' %}). Not versioned: a change
-- applies to every template at its next render.
create table snippets (
    project_id  text        not null references projects (id),
    name        text        not null,
    source      text        not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    primary key (project_id, name)
);
