-- What an organization's owners chose for members who have not chosen
-- themselves, per category. No row means on. A member's own row in
-- notification_preference always wins over this.
create table notification_default (
    organization_id uuid not null references organization (id) on delete cascade,
    category        text not null check (category in ('usage_alerts', 'billing', 'tickets')),
    email           boolean not null,
    updated_at      timestamptz not null default now(),
    primary key (organization_id, category)
);
