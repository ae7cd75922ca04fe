-- Billing: the subscription of each organization, its billing details, the card
-- on file (only what may be shown), and invoices with their lines.
--
-- organization.plan_id stays the one effective plan every feature reads its
-- limits from; the subscription adds the billing period and what is scheduled
-- to happen at its end, and does not repeat the plan (two copies would drift).
-- Money is always an integer count of minor units (cents) with a currency.

create table subscription (
    organization_id      uuid primary key references organization (id) on delete cascade,
    -- active: renews at period end; canceled: ended, the organization is back on Free.
    status               text not null default 'active' check (status in ('active', 'canceled')),
    current_period_start timestamptz not null,
    current_period_end   timestamptz not null,
    -- The subscription ends (back to Free) when this period ends; "resume" clears it.
    cancel_at_period_end boolean not null default false,
    -- A downgrade waits for the end of the period the customer already paid for.
    scheduled_plan_id    text references plan (id),
    currency             text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    constraint subscription_period_check check (current_period_end > current_period_start)
);

-- Periods are calendar months in UTC: every organization has a subscription
-- from the moment it exists, so no code path has to invent one lazily.
create function subscription_for_new_organization() returns trigger language plpgsql as $$
begin
    insert into subscription (organization_id, current_period_start, current_period_end)
    values (new.id,
            date_trunc('month', now() at time zone 'UTC') at time zone 'UTC',
            (date_trunc('month', now() at time zone 'UTC') + interval '1 month') at time zone 'UTC')
    on conflict (organization_id) do nothing;
    return new;
end;
$$;

create trigger organization_gets_subscription after insert on organization
    for each row execute function subscription_for_new_organization();

insert into subscription (organization_id, current_period_start, current_period_end)
select id,
       date_trunc('month', now() at time zone 'UTC') at time zone 'UTC',
       (date_trunc('month', now() at time zone 'UTC') + interval '1 month') at time zone 'UTC'
from organization
on conflict (organization_id) do nothing;

-- Who the invoices are addressed to. organization.billing_email is where they are sent.
create table billing_detail (
    organization_id uuid primary key references organization (id) on delete cascade,
    company_name    text not null default '' check (length(company_name) <= 100),
    address_line1   text not null default '' check (length(address_line1) <= 100),
    address_line2   text not null default '' check (length(address_line2) <= 100),
    city            text not null default '' check (length(city) <= 60),
    postal_code     text not null default '' check (length(postal_code) <= 20),
    country         text not null default '' check (country = '' or country ~ '^[A-Z]{2}$'),
    tax_id          text not null default '' check (length(tax_id) <= 30),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

-- The card on file. The processor keeps the card; we keep its reference and
-- what the page shows. The full number and the CVC never reach this database.
create table payment_method (
    organization_id uuid primary key references organization (id) on delete cascade,
    provider        text not null,               -- 'sandbox' today
    provider_ref    text not null,               -- the processor's token for the card
    brand           text not null,
    last4           text not null check (last4 ~ '^[0-9]{4}$'),
    exp_month       smallint not null check (exp_month between 1 and 12),
    exp_year        smallint not null check (exp_year between 2000 and 2100),
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

-- Invoice numbers are unique per seller (this portal serves one seller):
-- INV-<year>-<sequence>, never reused, also not after a void.
create sequence invoice_number_seq;

create table invoice (
    id              uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organization (id) on delete cascade,
    number          text not null,
    -- period: issued at period end for the period; proration: issued at an upgrade.
    kind            text not null check (kind in ('period', 'proration')),
    status          text not null check (status in ('paid', 'open', 'overdue', 'void')),
    period_start    timestamptz not null,
    period_end      timestamptz not null,
    issued_on       date not null,
    due_on          date not null,
    paid_at         timestamptz,
    currency        text not null check (currency ~ '^[A-Z]{3}$'),
    subtotal_cents  bigint not null,
    tax_rate_bp     integer not null check (tax_rate_bp between 0 and 10000), -- basis points
    tax_cents       bigint not null,
    total_cents     bigint not null,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    constraint invoice_number_key unique (number),
    constraint invoice_total_check check (total_cents = subtotal_cents + tax_cents),
    constraint invoice_period_check check (period_end > period_start),
    constraint invoice_due_check check (due_on >= issued_on)
);
-- The period-end job may run twice (two workers, a retry): one period invoice
-- per organization and period, whatever happens.
create unique index invoice_period_key on invoice (organization_id, period_start) where kind = 'period';
create index invoice_org_issued_idx on invoice (organization_id, issued_on desc, number desc);

create table invoice_line (
    invoice_id        uuid not null references invoice (id) on delete cascade,
    position          integer not null check (position >= 0),
    kind              text not null check (kind in ('plan', 'overage', 'proration')),
    description       text not null,
    quantity          bigint not null check (quantity > 0),
    unit_amount_cents bigint not null,
    amount_cents      bigint not null,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    constraint invoice_line_pkey primary key (invoice_id, position),
    constraint invoice_line_amount_check check (amount_cents = quantity * unit_amount_cents)
);
