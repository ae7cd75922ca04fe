-- Successful metered API calls (GET /api/v1/ping today), per organization and
-- hour. Instances count calls in memory and add them here once a second, so a
-- call never costs its own write. The usage ledger (per-event, idempotent)
-- arrives with the Usage issue and builds its totals on top of these buckets.
create table api_call_usage (
    organization_id uuid not null references organization (id) on delete cascade,
    period_start    timestamptz not null,   -- start of the hour, UTC
    calls           bigint not null check (calls >= 0),
    updated_at      timestamptz not null default now(),
    constraint api_call_usage_pkey primary key (organization_id, period_start)
);
