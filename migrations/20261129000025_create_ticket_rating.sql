-- Satisfaction: after a ticket is resolved its requester rates it, good or
-- bad with an optional comment, from the ticket page or from a link in the
-- "resolved" email. One rating per ticket; rating again replaces it.
-- agent_id is the staff member credited (the assignee, else whoever last
-- answered), fixed when the rating is given so the console's per-agent
-- numbers do not move when a ticket is reassigned later.
create table ticket_rating (
    ticket_id        uuid primary key references ticket (id) on delete cascade,
    organization_id  uuid not null references organization (id) on delete cascade,
    rated_by         uuid references app_user (id) on delete set null,
    agent_id         uuid references staff (user_id) on delete set null,
    rating           text not null check (rating in ('good', 'bad')),
    comment          text not null default '' check (length(comment) <= 2000),
    rated_at         timestamptz not null default now()
);
-- The console's weeks and agents: ratings in a time range.
create index ticket_rating_rated_at_idx on ticket_rating (rated_at);

-- The email's rating links work without signing in. Like invoice links, each
-- is a random token whose SHA-256 is kept here; it rates that one ticket, as
-- its requester, for 30 days.
create table ticket_rating_link (
    token_hash  bytea primary key,
    ticket_id   uuid not null references ticket (id) on delete cascade,
    user_id     uuid not null references app_user (id) on delete cascade,
    expires_at  timestamptz not null,
    created_at  timestamptz not null default now()
);
create index ticket_rating_link_ticket_idx on ticket_rating_link (ticket_id);
