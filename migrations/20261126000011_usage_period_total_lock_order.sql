-- Concurrent batches that touch the same organizations must lock the period
-- totals in one order, or two of them can deadlock (seen in
-- scripts/bench-dashboard with four senders over 2,000 organizations).
create or replace function usage_period_total_add_inserted() returns trigger language plpgsql as $$
begin
    insert into usage_period_total (organization_id, period_start, api_calls)
    select organization_id, date_trunc('month', period_start, 'UTC'), sum(calls)
    from inserted_rows
    group by 1, 2
    order by 1, 2
    on conflict (organization_id, period_start)
    do update set api_calls = usage_period_total.api_calls + excluded.api_calls;
    return null;
end;
$$;

create or replace function usage_period_total_add_updated() returns trigger language plpgsql as $$
begin
    insert into usage_period_total (organization_id, period_start, api_calls)
    select n.organization_id, date_trunc('month', n.period_start, 'UTC'), sum(n.calls - o.calls)
    from updated_rows n
    join previous_rows o using (organization_id, period_start)
    group by 1, 2
    order by 1, 2
    on conflict (organization_id, period_start)
    do update set api_calls = usage_period_total.api_calls + excluded.api_calls;
    return null;
end;
$$;
