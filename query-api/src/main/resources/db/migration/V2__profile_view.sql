-- Serving store of the Profile View API, written by the profile job (Flink) and read by the API.
-- It is a cache of Flink state: it can be rebuilt, so it trades durability for write speed where it can.

create table profile_view (
    project_id  text        not null,
    profile_id  text        not null,
    version     bigint      not null,
    merged_into text,
    document    jsonb       not null,
    updated_at  timestamptz not null default now(),
    primary key (project_id, profile_id)
);

-- identifier (type:value) -> the profile the identity directory points at (follow merged_into from there)
create table profile_identifiers (
    project_id  text        not null,
    identifier  text        not null,
    profile_id  text        not null,
    updated_at  timestamptz not null default now(),
    primary key (project_id, identifier)
);
