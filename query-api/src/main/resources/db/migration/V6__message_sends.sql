-- The send log of the activation job (Flink): one row per message it handed, or is handing, to a provider. It lives
-- outside Flink so that a crash that rolls the job's state back does not roll it back: a replayed message whose row
-- is 'sent' or 'failed' is not sent again, and one whose row is still 'pending' after the send timeout had an
-- attempt whose outcome is unknown (sent again with the same provider-side identity). See docs/messaging.md.
--   pending   an attempt is claimed (the row is written before the provider is called)
--   retrying  the last attempt failed temporarily; the next one is scheduled
--   sent      the provider accepted it (provider_message_id)
--   failed    failed for good: a permanent failure, or temporary failures until the dead letter
create table message_sends (
    project_id          text        not null,
    idempotency_key     text        not null,
    message_id          text        not null,
    channel             text        not null,
    destination_hash    text,
    status              text        not null check (status in ('pending', 'retrying', 'sent', 'failed')),
    attempt             integer     not null check (attempt >= 1),
    claimed_at          timestamptz not null,
    updated_at          timestamptz not null,
    provider_message_id text,
    reason              text,
    primary key (project_id, idempotency_key)
);
-- for pruning rows older than any replay can reach
create index message_sends_updated on message_sends (updated_at);
