-- A correction of an issued invoice is a credit note, never an edit: its own
-- number series (CN-<year>-<sequence>, never reused), its own PDF, linked to
-- the invoice it corrects, and as fixed as an invoice once issued. Support
-- staff issue them from the ticket of the customer who asked.
create sequence credit_note_number_seq;

create table credit_note (
    id              uuid primary key default gen_random_uuid(),
    number          text not null,
    invoice_id      uuid not null references invoice (id) on delete cascade,
    organization_id uuid not null references organization (id) on delete cascade,
    issued_on       date not null,
    currency        text not null check (currency ~ '^[A-Z]{3}$'),
    -- What is credited, split like the invoice: at the invoice's tax rate.
    subtotal_cents  bigint not null check (subtotal_cents >= 0),
    tax_rate_bp     integer not null check (tax_rate_bp between 0 and 10000),
    tax_cents       bigint not null check (tax_cents >= 0),
    total_cents     bigint not null check (total_cents > 0),
    reason          text not null check (length(reason) between 3 and 500),
    -- The parties of the invoice it corrects, as that invoice printed them.
    seller          jsonb not null check (jsonb_typeof(seller) = 'object'),
    bill_to         jsonb not null check (jsonb_typeof(bill_to) = 'object'),
    created_at      timestamptz not null default now(),
    constraint credit_note_number_key unique (number),
    constraint credit_note_total_check check (total_cents = subtotal_cents + tax_cents)
);
create index credit_note_invoice_idx on credit_note (invoice_id);
create index credit_note_org_issued_idx on credit_note (organization_id, issued_on desc, number desc);

-- Never more than the invoice in all, never in another currency, never for
-- another organization's invoice. The invoice row is locked first, so two
-- credit notes written at once cannot together exceed it.
create function credit_note_fits_its_invoice() returns trigger language plpgsql as $$
declare
    corrected record;
    credited  bigint;
begin
    select organization_id, currency, total_cents, number into corrected
    from invoice where id = new.invoice_id for update;
    if corrected.organization_id is distinct from new.organization_id then
        raise exception 'credit note for another organization''s invoice'
            using errcode = 'integrity_constraint_violation';
    end if;
    if corrected.currency <> new.currency then
        raise exception 'credit note in % for invoice % in %', new.currency, corrected.number, corrected.currency
            using errcode = 'check_violation', constraint = 'credit_note_currency_check';
    end if;
    select coalesce(sum(total_cents), 0) into credited from credit_note where invoice_id = new.invoice_id;
    if credited + new.total_cents > corrected.total_cents then
        raise exception 'credit notes of invoice % would exceed its total', corrected.number
            using errcode = 'check_violation', constraint = 'credit_note_amount_check';
    end if;
    return new;
end;
$$;

create trigger credit_note_fits before insert on credit_note
    for each row execute function credit_note_fits_its_invoice();
-- Issued is issued: no edit, no delete except with the organization.
create trigger credit_note_is_fixed before update on credit_note
    for each row execute function issued_invoice_is_kept();
create trigger credit_note_is_kept before delete on credit_note
    for each row when (pg_trigger_depth() = 0) execute function issued_invoice_is_kept();
