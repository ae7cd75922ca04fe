-- Team invitations. One row per token: resending revokes the row and inserts a
-- new one, so an old link can say "replaced by a newer invitation" instead of
-- looking like garbage. Only the SHA-256 of the token is stored.
create table invitation (
    id              uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organization (id) on delete cascade,
    email           text not null,                  -- normalised like app_user.email
    role            text not null check (role in ('owner', 'admin', 'billing', 'member')),
    token_hash      bytea not null,
    invited_by      uuid references app_user (id) on delete set null,
    expires_at      timestamptz not null,
    accepted_at     timestamptz,
    accepted_by     uuid references app_user (id) on delete set null,
    revoked_at      timestamptz,
    -- 'revoked' by an admin, or 'resent' (replaced by a newer invitation)
    revoked_reason  text check (revoked_reason in ('revoked', 'resent')),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint invitation_token_hash_key unique (token_hash),
    constraint invitation_final_state check (accepted_at is null or revoked_at is null)
);

-- At most one open invitation per address and organization: a second invite
-- is a "resend", never a second seat.
create unique index invitation_one_open_per_email
    on invitation (organization_id, email)
    where accepted_at is null and revoked_at is null;

-- Pending list and seat counting read only open rows.
create index invitation_open_by_org
    on invitation (organization_id, created_at desc)
    where accepted_at is null and revoked_at is null;

-- Members page: search and "last active" without scanning other tenants.
create index session_org_user_seen_idx on session (organization_id, user_id, last_seen_at desc);
