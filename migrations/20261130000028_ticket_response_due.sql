-- When staff should answer a ticket that waits on them: computed by the
-- server when the wait begins (support::due: calendar or business hours, in
-- the desk's time zone), stored so the console sorts and filters on it.
alter table ticket add column response_due_at timestamptz;

-- Tickets waiting today keep the calendar targets they were shown with.
update ticket set response_due_at = awaiting_staff_since + case priority
        when 'urgent' then interval '1 hour'
        when 'high' then interval '4 hours'
        when 'normal' then interval '24 hours'
        else interval '72 hours'
    end
where awaiting_staff_since is not null;

-- The console's "response due" order and overdue filter: open tickets only.
drop index ticket_awaiting_staff_idx;
create index ticket_response_due_idx on ticket (response_due_at) where status = 'open';
