-- Dunning: a period charge that failed is retried on a schedule, and the
-- subscription says where it stands.
--
--   past_due: an invoice's charge failed and retries are still scheduled;
--             owners and the billing role see a banner on every page.
--   unpaid:   the last retry failed too; the organization keeps its data and
--             its plan, but works within the Free plan's limits until an
--             invoice is paid (Pay now, or a new card, which is tried at once).
alter table subscription drop constraint subscription_status_check;
alter table subscription add constraint subscription_status_check
    check (status in ('active', 'canceled', 'past_due', 'unpaid'));

-- One row per invoice being dunned; it goes when the invoice is paid. The
-- attempts themselves are invoice_payment rows, keyed by retry number, so a
-- retry that ran twice (two instances, a crash after the charge) charges once.
create table invoice_dunning (
    invoice_id      uuid primary key references invoice (id) on delete cascade,
    organization_id uuid not null references organization (id) on delete cascade,
    -- When the first charge failed: the schedule counts from here, and the
    -- banner says "Your payment failed on …".
    failed_at       timestamptz not null,
    retries_done    integer not null default 0 check (retries_done >= 0),
    -- Null once every scheduled retry has failed.
    next_retry_at   timestamptz,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);
create index invoice_dunning_due on invoice_dunning (next_retry_at) where next_retry_at is not null;
create index invoice_dunning_organization on invoice_dunning (organization_id);
