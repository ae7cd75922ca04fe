-- Reported API calls reach the hourly rollup in two steps. Adding every batch
-- to api_call_usage as it arrived meant up to 1,000 rollup upserts (plus the
-- period totals their trigger keeps) per batch of 1,000 events: two thirds of
-- the ingestion statement's cost, and row-lock waits between concurrent
-- senders. Now the ingestion statement writes the events to the ledger and
-- their sums per (organization, hour) as one row here, in the same
-- transaction; the usage worker moves these rows into api_call_usage a few
-- times a second, many batches per upsert, deleting them in the same
-- transaction. Nothing is counted twice or lost, and a 202 still means
-- committed: a row here is as durable as the rollup it is waiting for.
create table api_call_usage_pending (
    id               bigint generated always as identity primary key,
    organization_ids uuid[] not null,
    hours            timestamptz[] not null,  -- start of the hour, UTC
    calls            bigint[] not null,
    created_at       timestamptz not null default now(),
    check (cardinality(organization_ids) = cardinality(hours)
           and cardinality(hours) = cardinality(calls))
);
