-- The current period's API calls of every organization, kept up to date by
-- triggers on the hourly rollup. Summing ~700 hourly rows per organization on
-- every live refresh cost half a second for 2,000 organizations; this makes
-- it one index lookup. Billing periods are calendar months in UTC (see the
-- subscription trigger), so the month of an hour is its period. Invoices keep
-- summing api_call_usage itself; this table only serves live totals.

create table usage_period_total (
    organization_id uuid not null references organization (id) on delete cascade,
    period_start    timestamptz not null,   -- start of the calendar month, UTC
    api_calls       bigint not null check (api_calls >= 0),
    constraint usage_period_total_pkey primary key (organization_id, period_start)
);

insert into usage_period_total (organization_id, period_start, api_calls)
select organization_id, date_trunc('month', period_start, 'UTC'), sum(calls)
from api_call_usage
group by 1, 2;

-- Statement-level, with transition tables: one upsert per statement, not per row.
create function usage_period_total_add_inserted() returns trigger language plpgsql as $$
begin
    insert into usage_period_total (organization_id, period_start, api_calls)
    select organization_id, date_trunc('month', period_start, 'UTC'), sum(calls)
    from inserted_rows
    group by 1, 2
    on conflict (organization_id, period_start)
    do update set api_calls = usage_period_total.api_calls + excluded.api_calls;
    return null;
end;
$$;

create function usage_period_total_add_updated() returns trigger language plpgsql as $$
begin
    insert into usage_period_total (organization_id, period_start, api_calls)
    select n.organization_id, date_trunc('month', n.period_start, 'UTC'), sum(n.calls - o.calls)
    from updated_rows n
    join previous_rows o using (organization_id, period_start)
    group by 1, 2
    on conflict (organization_id, period_start)
    do update set api_calls = usage_period_total.api_calls + excluded.api_calls;
    return null;
end;
$$;

create trigger api_call_usage_inserted after insert on api_call_usage
    referencing new table as inserted_rows
    for each statement execute function usage_period_total_add_inserted();

create trigger api_call_usage_updated after update on api_call_usage
    referencing old table as previous_rows new table as updated_rows
    for each statement execute function usage_period_total_add_updated();
