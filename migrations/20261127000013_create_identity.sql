-- Identity that needs no support ticket: verified email, password reset,
-- two-factor authentication, and several organizations per person.

-- A person proves they own their address before the portal shows them any
-- organization data or sends mail with text they chose. Only self sign-up
-- creates an unverified account (it inserts null); accepting an invitation
-- proves the invited address, and everyone who signed up before this change
-- keeps their access, hence the default.
alter table app_user
    add column email_verified_at timestamptz default now(),
    -- The organization a new session opens in: the last one the user worked in.
    add column last_organization_id uuid references organization (id) on delete set null,
    -- TOTP (RFC 6238): the base32 secret exists from the start of enrollment;
    -- two-factor is on only once a code confirmed it (totp_enabled_at).
    add column totp_secret text,
    add column totp_enabled_at timestamptz,
    -- The last 30-second step whose code was accepted: a code works once.
    add column totp_last_step bigint,
    add constraint app_user_totp_enabled_check check (totp_enabled_at is null or totp_secret is not null);

-- Owners can require every member to use two-factor authentication.
alter table organization add column require_two_factor boolean not null default false;

-- A session names the organization it works in, or none: a user whose last
-- membership ended, or who has not verified their email yet, is signed in to
-- their account only.
alter table session alter column organization_id drop not null;

-- Single-use links mailed to a user. Only a SHA-256 of the token is stored;
-- opening a link changes nothing (mail scanners open links), the form post
-- that follows uses it up. Bound to the user and to the address it went to.
create table account_token (
    id          uuid primary key default gen_random_uuid(),
    purpose     text not null check (purpose in ('password_reset', 'email_verification')),
    token_hash  bytea not null,
    user_id     uuid not null references app_user (id) on delete cascade,
    email       text not null,
    expires_at  timestamptz not null,
    used_at     timestamptz,
    created_at  timestamptz not null default now(),
    constraint account_token_token_hash_key unique (token_hash)
);
create index account_token_open_idx on account_token (user_id, purpose) where used_at is null;

-- The half-signed-in state between a right password and the second factor:
-- a short-lived token of its own, never a session. `purpose` 'verify' asks
-- for a code; 'enroll' sets two-factor up first (staff, who must use it).
create table sign_in_challenge (
    id          uuid primary key default gen_random_uuid(),
    token_hash  bytea not null,
    user_id     uuid not null references app_user (id) on delete cascade,
    realm       text not null check (realm in ('customer', 'staff')),
    purpose     text not null check (purpose in ('verify', 'enroll')),
    attempts    integer not null default 0,
    expires_at  timestamptz not null,
    used_at     timestamptz,
    created_at  timestamptz not null default now(),
    constraint sign_in_challenge_token_hash_key unique (token_hash)
);
create index sign_in_challenge_user_idx on sign_in_challenge (user_id);

-- Ten single-use codes for a lost authenticator; only their hashes are kept.
create table recovery_code (
    user_id    uuid not null references app_user (id) on delete cascade,
    code_hash  bytea not null,
    used_at    timestamptz,
    created_at timestamptz not null default now(),
    constraint recovery_code_pkey primary key (user_id, code_hash)
);
