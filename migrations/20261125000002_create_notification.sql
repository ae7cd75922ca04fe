-- The transactional outbox for every email the portal sends.
--
-- A row is written in the same transaction as the business change that causes
-- it (app::notifications::notify), so an email exists exactly when the change
-- does. The relay copies due rows onto a Redis Stream; workers send them and
-- mark them sent. Postgres stays the record: if Redis loses the stream, rows
-- that are still pending are relayed again, or claimed straight from here.

create table notification (
    id              uuid primary key default gen_random_uuid(),
    -- One key per intended message ("welcome:<user id>"), so a retried request
    -- cannot enqueue the same email twice.
    idempotency_key text not null,
    organization_id uuid references organization (id) on delete set null,
    recipient       text not null,
    template        text not null,
    data            jsonb not null default '{}',
    status          text not null default 'pending' check (status in ('pending', 'sent', 'dead')),
    attempts        integer not null default 0,
    last_error      text,
    next_attempt_at timestamptz not null default now(),
    -- When the relay last put this row on the stream; a row whose stream entry
    -- was lost (Redis restarted) is relayed again once this is old enough.
    relayed_at      timestamptz,
    sent_at         timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint notification_idempotency_key_key unique (idempotency_key)
);

-- The relay and the Postgres fallback only ever look for due, pending rows.
create index notification_due_idx on notification (next_attempt_at) where status = 'pending';
