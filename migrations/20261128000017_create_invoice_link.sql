-- Invoice emails link to their PDF without a sign-in (the billing email is
-- often an accounts-payable inbox with no portal account). Each link is a
-- random token whose SHA-256 is kept here; it opens that one invoice's PDF
-- and nothing else, for 30 days.
create table invoice_link (
    token_hash  bytea primary key,
    invoice_id  uuid not null references invoice (id) on delete cascade,
    expires_at  timestamptz not null,
    created_at  timestamptz not null default now()
);
create index invoice_link_invoice_idx on invoice_link (invoice_id);
