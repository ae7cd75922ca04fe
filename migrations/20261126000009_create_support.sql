-- Support: tickets opened by customers, answered by the company's staff.
--
-- Staff are people of the company running the portal, not of any customer
-- organization: a `staff` row marks an app_user as staff, and staff sign in
-- to the console with a session of their own (`staff_session`), separate from
-- customer sessions (which always name an organization). A customer session
-- can therefore never carry staff rights, and a staff session never a tenant.

create table staff (
    user_id    uuid primary key references app_user (id) on delete cascade,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- Like `session`: only the SHA-256 of the cookie's token is stored.
create table staff_session (
    id           uuid primary key default gen_random_uuid(),
    token_hash   bytea not null,
    user_id      uuid not null references staff (user_id) on delete cascade,
    ip           text,
    user_agent   text,
    created_at   timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    expires_at   timestamptz not null,          -- absolute timeout
    revoked_at   timestamptz,
    updated_at   timestamptz not null default now(),
    constraint staff_session_token_hash_key unique (token_hash)
);

-- A ticket belongs to one organization and is shared by its members.
-- last_activity_at moves with every customer-visible message or status change
-- (never with an internal note: its order would give the note away).
create table ticket (
    id               uuid primary key default gen_random_uuid(),
    organization_id  uuid not null references organization (id) on delete cascade,
    requester_id     uuid references app_user (id) on delete set null,
    subject          text not null check (length(subject) between 1 and 150),
    category         text not null check (category in ('billing', 'technical', 'account', 'other')),
    priority         text not null check (priority in ('low', 'normal', 'high', 'urgent')),
    -- open: waiting on staff; pending: waiting on the customer (staff replied);
    -- resolved: staff consider it done (a customer reply reopens it); closed: done.
    status           text not null default 'open' check (status in ('open', 'pending', 'resolved', 'closed')),
    assignee_id      uuid references staff (user_id) on delete set null,
    last_activity_at timestamptz not null default now(),
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now()
);
-- The customer's list and the dashboard: one organization, newest activity first.
create index ticket_org_activity_idx on ticket (organization_id, last_activity_at desc, id);
-- The staff console: every organization, newest activity first.
create index ticket_activity_idx on ticket (last_activity_at desc, id);

-- Customer messages, staff replies and staff-only internal notes in one
-- thread. Every customer-facing query filters `internal = false` in SQL.
create table ticket_message (
    id          uuid primary key default gen_random_uuid(),
    ticket_id   uuid not null references ticket (id) on delete cascade,
    author_id   uuid references app_user (id) on delete set null,
    author_kind text not null check (author_kind in ('customer', 'staff')),
    internal    boolean not null default false,
    body        text not null check (length(body) between 1 and 10000),
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    constraint ticket_message_internal_by_staff check (not internal or author_kind = 'staff')
);
create index ticket_message_thread_idx on ticket_message (ticket_id, created_at, id);
