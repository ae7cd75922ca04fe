-- Webhooks: endpoints an organization's engineers register, the events
-- written in the same transaction as the change that caused them, one
-- delivery per subscribed endpoint, and every attempt (kept 30 days).
create table webhook_endpoint (
    id                    uuid primary key default gen_random_uuid(),
    organization_id       uuid not null references organization (id) on delete cascade,
    url                   text not null check (length(url) <= 2048),
    description           text not null default '' check (length(description) <= 200),
    event_types           text[] not null,
    enabled               boolean not null default true,
    -- Why the portal turned it off (410 Gone, failing for days); null when
    -- a person did, or when it is on.
    disabled_reason       text,
    -- The signing key (32 random bytes); during a rotation's overlap the
    -- previous key signs too, until previous_secret_until.
    secret                bytea not null,
    previous_secret       bytea,
    previous_secret_until timestamptz,
    -- The first failure since the last success: five days of it disables.
    failing_since         timestamptz,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now()
);
create index webhook_endpoint_organization on webhook_endpoint (organization_id, created_at);

create table webhook_event (
    id              uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organization (id) on delete cascade,
    event_type      text not null,
    -- The body every delivery sends: {"type", "timestamp", "data"}.
    payload         jsonb not null,
    created_at      timestamptz not null default now()
);
create index webhook_event_created on webhook_event (created_at);

create table webhook_delivery (
    id              uuid primary key default gen_random_uuid(),
    event_id        uuid not null references webhook_event (id) on delete cascade,
    endpoint_id     uuid not null references webhook_endpoint (id) on delete cascade,
    status          text not null default 'pending'
                    check (status in ('pending', 'delivered', 'failed')),
    attempts        int not null default 0,
    -- Which wait of the retry schedule comes next ("Resend" starts again).
    retry_step      int not null default 0,
    next_attempt_at timestamptz not null default now(),
    -- A worker holds it until then; a crashed worker's lease runs out and
    -- the delivery is sent again with the same webhook-id.
    locked_until    timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    unique (event_id, endpoint_id)
);
create index webhook_delivery_due on webhook_delivery (next_attempt_at) where status = 'pending';
create index webhook_delivery_endpoint on webhook_delivery (endpoint_id, created_at desc);

create table webhook_attempt (
    id            bigserial primary key,
    delivery_id   uuid not null references webhook_delivery (id) on delete cascade,
    attempted_at  timestamptz not null default now(),
    status_code   int,
    duration_ms   int not null,
    response_body text not null default '',
    error         text
);
create index webhook_attempt_delivery on webhook_attempt (delivery_id, attempted_at);
