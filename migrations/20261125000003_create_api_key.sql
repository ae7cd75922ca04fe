-- API keys customers create for the SaaS's API.
--
-- Only a SHA-256 of the key is stored (keys carry ~190 random bits, so a hash
-- without a salt cannot be reversed); the full key is shown once at creation.

create table api_key (
    id              uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organization (id) on delete cascade,
    name            text not null check (length(name) between 1 and 60),
    scope           text not null check (scope in ('full', 'read_only')),
    key_hash        bytea not null,
    display_prefix  text not null,          -- "sk_live_AbCd": enough to recognise, useless to attack
    created_by      uuid references app_user (id) on delete set null,
    expires_at      timestamptz,
    revoked_at      timestamptz,
    last_used_at    timestamptz,
    -- Set on the old key when it is rotated: it keeps working until its
    -- (shortened) expires_at, the grace period, and the list links the two.
    replaced_by     uuid references api_key (id) deferrable initially deferred,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint api_key_key_hash_key unique (key_hash)
);

-- A name is unique among the organization's current keys (a rotated key in
-- its grace period hands its name to its successor).
create unique index api_key_active_name_key on api_key (organization_id, lower(name))
    where revoked_at is null and replaced_by is null;
create index api_key_organization_idx on api_key (organization_id, created_at desc);
