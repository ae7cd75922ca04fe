-- Paying an open or overdue invoice from the portal. Every attempt is a row
-- with the key the browser sent for it: a double click, a second tab or a
-- retry after a timeout sends the same key, finds its row, and charges
-- nothing more (the key also goes to the payment provider, which never
-- charges one key twice). At most one payment of an invoice succeeds.
create table invoice_payment (
    id                uuid primary key default gen_random_uuid(),
    invoice_id        uuid not null references invoice (id) on delete cascade,
    idempotency_key   text not null check (length(idempotency_key) between 16 and 100),
    status            text not null check (status in ('succeeded', 'failed')),
    provider_charge   text,
    error             text,
    created_at        timestamptz not null default now(),
    constraint invoice_payment_key unique (invoice_id, idempotency_key),
    constraint invoice_payment_result_check check ((status = 'succeeded') = (provider_charge is not null))
);
create unique index invoice_payment_once on invoice_payment (invoice_id) where status = 'succeeded';
