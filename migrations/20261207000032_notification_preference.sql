-- Which emails a person wants, per organization and category. No row means
-- the default: on. Security emails have no category that can be stored here,
-- so they can never be turned off.
create table notification_preference (
    user_id         uuid not null references app_user (id) on delete cascade,
    organization_id uuid not null references organization (id) on delete cascade,
    category        text not null check (category in ('usage_alerts', 'billing', 'tickets')),
    email           boolean not null,
    updated_at      timestamptz not null default now(),
    primary key (user_id, organization_id, category)
);

-- An email whose recipient turned its category off before it was sent is
-- kept as 'suppressed' (the outbox checks when it builds the email), so the
-- record still shows that it was due and why it did not go out.
alter table notification drop constraint notification_status_check;
alter table notification add constraint notification_status_check
    check (status in ('pending', 'sent', 'dead', 'suppressed'));
