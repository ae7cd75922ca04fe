-- Tenancy and sign-in: the security core every feature relies on.
--
-- Every customer-owned row carries organization_id, and every query that reads
-- it filters on the organization taken from the session (never from the client).

-- Plans are data, not code: limits and prices live here so billing and usage
-- read one source. Prices are integer minor units (cents); never floats.
create table plan (
    id              text primary key,                 -- 'free', 'pro', 'enterprise'
    name            text not null,
    price_cents     bigint not null check (price_cents >= 0),
    currency        text not null default 'USD',
    api_calls_limit bigint not null check (api_calls_limit > 0),
    storage_mb_limit bigint not null check (storage_mb_limit > 0),
    seats_limit     integer not null check (seats_limit > 0),
    sort_order      integer not null,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

insert into plan (id, name, price_cents, api_calls_limit, storage_mb_limit, seats_limit, sort_order) values
    ('free',       'Free',       0,       10000,   1000,   3,   1),
    ('pro',        'Pro',        4900,    500000,  50000,  50,  2),
    ('enterprise', 'Enterprise', 49900,   5000000, 500000, 500, 3);

create table organization (
    id          uuid primary key default gen_random_uuid(),
    name        text not null check (length(name) between 1 and 100),
    plan_id     text not null references plan (id) default 'free',
    billing_email text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

-- `app_user` because `user` is reserved. Emails are stored normalised
-- (trimmed, lower-case) by EmailAddress::parse; the unique index is the
-- last line of defence against a race between two sign-ups.
create table app_user (
    id            uuid primary key default gen_random_uuid(),
    email         text not null,
    name          text not null check (length(name) between 1 and 100),
    password_hash text not null,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    constraint app_user_email_key unique (email)
);

-- One row per (organization, user): the role is per membership, so one person
-- can be an owner here and a member elsewhere.
create table member (
    organization_id uuid not null references organization (id) on delete cascade,
    user_id         uuid not null references app_user (id) on delete cascade,
    role            text not null check (role in ('owner', 'admin', 'billing', 'member')),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint member_pkey primary key (organization_id, user_id)
);
create index member_user_id_idx on member (user_id);

-- Sessions: Postgres is the record, Redis only caches them. Only a SHA-256 of
-- the cookie's token is stored, so a database leak yields no usable cookie.
create table session (
    id              uuid primary key default gen_random_uuid(),
    token_hash      bytea not null,
    user_id         uuid not null references app_user (id) on delete cascade,
    organization_id uuid not null references organization (id) on delete cascade,
    ip              text,
    user_agent      text,
    created_at      timestamptz not null default now(),
    last_seen_at    timestamptz not null default now(),
    expires_at      timestamptz not null,          -- absolute timeout
    revoked_at      timestamptz,
    updated_at      timestamptz not null default now(),
    constraint session_token_hash_key unique (token_hash)
);
create index session_user_id_idx on session (user_id) where revoked_at is null;

-- Append-only audit trail. Written in the same transaction as the change it
-- describes; the trigger below makes "append-only" a property of the database,
-- not only of the code.
create table audit_log (
    id              bigint generated always as identity primary key,
    organization_id uuid references organization (id) on delete cascade,
    actor_user_id   uuid references app_user (id) on delete set null,
    actor_email     text,        -- kept as text: survives user deletion, and names the email a failed sign-in tried
    action          text not null,
    target_type     text,
    target_id       text,
    before          jsonb,
    after           jsonb,
    ip              text,
    user_agent      text,
    created_at      timestamptz not null default now()
);
create index audit_log_org_created_idx on audit_log (organization_id, created_at desc, id desc);

create function audit_log_is_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only';
end;
$$;

-- Depth 0 means a statement issued by a client; deeper levels are the foreign
-- keys' own cascades (an organization deleted as a whole takes its log along).
create trigger audit_log_no_update before update on audit_log
    for each row when (pg_trigger_depth() = 0) execute function audit_log_is_append_only();
create trigger audit_log_no_delete before delete on audit_log
    for each row when (pg_trigger_depth() = 0) execute function audit_log_is_append_only();
