-- Usage metering: Postgres is the ledger, Redis only the live copy.
--
-- Metrics: api_calls (a sum), storage_mb (a current value, the latest report
-- wins), seats (computed from member rows, never reported).
--
-- Two sources feed api_calls: verified API calls (counted in memory per
-- instance and added to api_call_usage a few times a second, see
-- api_keys::verifier) and events the SaaS reports through
-- POST /api/v1/usage/events. Reported events are kept one row each, unique on
-- (organization, event_id), so a retried batch is counted once; the same
-- statement adds what was new to the hourly rollups below.

create table usage_event (
    organization_id uuid not null references organization (id) on delete cascade,
    event_id        text not null check (length(event_id) between 1 and 100),
    metric          text not null check (metric in ('api_calls', 'storage_mb')),
    quantity        bigint not null check (quantity >= 0),
    occurred_at     timestamptz not null,
    received_at     timestamptz not null default now(),
    constraint usage_event_pkey primary key (organization_id, event_id)
);

-- api_call_usage (from the API keys migration) is the hourly rollup of
-- api_calls. storage_mb keeps its latest report per hour; "current storage" is
-- the newest hour's value, and a daily chart takes each day's last value.
create table storage_usage (
    organization_id uuid not null references organization (id) on delete cascade,
    period_start    timestamptz not null,   -- start of the hour, UTC
    megabytes       bigint not null check (megabytes >= 0),
    as_of           timestamptz not null,   -- the report this value came from
    updated_at      timestamptz not null default now(),
    constraint storage_usage_pkey primary key (organization_id, period_start)
);

-- One row per threshold crossed per billing period: the primary key is what
-- makes "one email per threshold per period" hold with several instances.
create table usage_alert (
    organization_id uuid not null references organization (id) on delete cascade,
    metric          text not null check (metric in ('api_calls', 'storage_mb')),
    period_start    timestamptz not null,
    threshold       integer not null check (threshold in (80, 90, 100)),
    used            bigint not null,
    limit_value     bigint not null,
    created_at      timestamptz not null default now(),
    constraint usage_alert_pkey primary key (organization_id, metric, period_start, threshold)
);
create index usage_alert_org_created_idx on usage_alert (organization_id, created_at desc);
