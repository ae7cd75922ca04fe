-- Staff administration in the console: staff admins invite people to the
-- support team by email and deactivate those who leave. A deactivated staff
-- member keeps their row (tickets, ratings and replies still name them) but
-- cannot sign in, is never assigned or alerted, and their sessions end.
alter table staff
    add column is_admin       boolean not null default false,
    add column deactivated_at timestamptz;

-- Staff until now were added with psql by whoever runs the database: they
-- keep every power they had, so the console starts with its admins.
update staff set is_admin = true;

-- An emailed invitation to join the support team. Like every token, only
-- its SHA-256 is stored.
create table staff_invitation (
    id          uuid primary key default gen_random_uuid(),
    email       text not null,
    is_admin    boolean not null default false,
    token_hash  bytea not null,
    invited_by  uuid references staff (user_id) on delete set null,
    expires_at  timestamptz not null,
    accepted_at timestamptz,
    accepted_by uuid references app_user (id) on delete set null,
    revoked_at  timestamptz,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    constraint staff_invitation_token_hash_key unique (token_hash)
);

-- At most one open invitation per address: inviting again replaces it.
create unique index staff_invitation_open_email_key on staff_invitation (lower(email))
    where accepted_at is null and revoked_at is null;
