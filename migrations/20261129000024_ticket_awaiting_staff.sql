-- Since when an open ticket waits on staff: set by a customer's message if
-- not set already, cleared by a staff reply. Its response is due this long
-- after it, by priority (domain::support::ResponseTargets).
alter table ticket add column awaiting_staff_since timestamptz;

-- Open tickets today: the customer's first message after the last staff reply.
update ticket t set awaiting_staff_since = (
    select min(m.created_at) from ticket_message m
    where m.ticket_id = t.id and m.author_kind = 'customer' and not m.internal
      and m.created_at > coalesce((
          select max(s.created_at) from ticket_message s
          where s.ticket_id = t.id and s.author_kind = 'staff' and not s.internal
      ), '-infinity')
)
where t.status = 'open';

-- The console's "response due" order looks only at open tickets.
create index ticket_awaiting_staff_idx on ticket (awaiting_staff_since) where status = 'open';
