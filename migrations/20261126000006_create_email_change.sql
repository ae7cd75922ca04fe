-- Account settings: a pending change of a user's login email, and the indexes
-- the audit page filters and pages with.

-- A login email changes only when a link sent to the new address is opened.
-- Like sessions, only a SHA-256 of the link's 256-bit token is stored, so a
-- database leak cannot confirm anyone's change. A new request supersedes the
-- pending one (cancelled_at); a confirmed one is spent (consumed_at).
create table email_change (
    id              uuid primary key default gen_random_uuid(),
    user_id         uuid not null references app_user (id) on delete cascade,
    organization_id uuid references organization (id) on delete set null, -- where it was asked for (audit)
    new_email       text not null,
    token_hash      bytea not null,
    expires_at      timestamptz not null,
    consumed_at     timestamptz,
    cancelled_at    timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint email_change_token_hash_key unique (token_hash)
);
create index email_change_pending_idx on email_change (user_id)
    where consumed_at is null and cancelled_at is null;

-- The audit page lists newest first and pages with a keyset on
-- (created_at, id) over audit_log_org_created_idx. Filtering by action or by
-- actor on a large log would otherwise walk the whole organization's range, so
-- each gets an index that keeps the same order. Target type and date range are
-- served by the range scan (few types; the date bounds are index conditions).
create index audit_log_org_action_created_idx on audit_log (organization_id, action, created_at desc, id desc);
create index audit_log_org_actor_created_idx on audit_log (organization_id, actor_email, created_at desc, id desc);
