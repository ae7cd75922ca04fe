-- An issued invoice is a legal document: it prints what was true when it was
-- issued, for ever. Until now its PDF was drawn with the organization's
-- current name, address, tax ID and billing email, so last year's invoice
-- showed this year's address.
--
-- 1. Who sold and who was billed are copied into the invoice when it is
--    issued (`seller`, `bill_to`), and the PDF is drawn from that copy only.
-- 2. A trigger refuses any change to what an invoice prints; only its payment
--    state (`status`, `paid_at`) moves. Lines cannot change at all. A
--    correction will be a credit note, never an edit.
-- 3. An invoice or line is deleted only with its organization (a foreign
--    key's cascade), never on its own.

alter table invoice add column seller jsonb, add column bill_to jsonb;

-- Who an organization's invoices are addressed to, as one consistent read
-- (stable: within the issuing statement it sees that statement's snapshot,
-- so an address changed at the same moment is either all in or all out).
create function invoice_bill_to(org uuid) returns jsonb language sql stable as $$
    select jsonb_build_object(
        'name', o.name,
        'email', o.billing_email,
        'company_name', coalesce(b.company_name, ''),
        'address_line1', coalesce(b.address_line1, ''),
        'address_line2', coalesce(b.address_line2, ''),
        'city', coalesce(b.city, ''),
        'postal_code', coalesce(b.postal_code, ''),
        'country', coalesce(b.country, ''),
        'tax_id', coalesce(b.tax_id, ''))
    from organization o
    left join billing_detail b on b.organization_id = o.id
    where o.id = org
$$;

-- Invoices issued before this: the best record there is, today's details.
update invoice
set seller = jsonb_build_object(
        'name', 'Portal Cloud Inc.',
        'address', jsonb_build_array('100 Market Street, Suite 300', 'San Francisco, CA 94105', 'United States'),
        'tax_id', 'US 12-3456789',
        'email', 'billing@portal.example'),
    bill_to = invoice_bill_to(organization_id);

alter table invoice
    alter column seller set not null,
    alter column bill_to set not null,
    add constraint invoice_seller_check check (jsonb_typeof(seller) = 'object'),
    add constraint invoice_bill_to_check check (jsonb_typeof(bill_to) = 'object');

create function invoice_prints_what_it_was_issued_with() returns trigger language plpgsql as $$
begin
    if (new.id, new.organization_id, new.number, new.kind, new.period_start, new.period_end,
        new.issued_on, new.due_on, new.currency, new.subtotal_cents, new.tax_rate_bp,
        new.tax_cents, new.total_cents, new.seller, new.bill_to, new.created_at)
       is distinct from
       (old.id, old.organization_id, old.number, old.kind, old.period_start, old.period_end,
        old.issued_on, old.due_on, old.currency, old.subtotal_cents, old.tax_rate_bp,
        old.tax_cents, old.total_cents, old.seller, old.bill_to, old.created_at) then
        raise exception 'invoice % is issued: only its payment status may change', old.number
            using errcode = 'integrity_constraint_violation',
                  hint = 'A correction is a credit note.';
    end if;
    return new;
end;
$$;

create function issued_invoice_is_kept() returns trigger language plpgsql as $$
begin
    raise exception '% of an issued invoice cannot be changed or deleted', tg_table_name
        using errcode = 'integrity_constraint_violation',
              hint = 'A correction is a credit note.';
end;
$$;

create trigger invoice_contents_are_fixed before update on invoice
    for each row execute function invoice_prints_what_it_was_issued_with();
-- Depth 0 is a statement sent by a client; deeper is the organization's
-- cascade, the one way an invoice goes.
create trigger invoice_is_kept before delete on invoice
    for each row when (pg_trigger_depth() = 0) execute function issued_invoice_is_kept();
create trigger invoice_line_is_fixed before update on invoice_line
    for each row execute function issued_invoice_is_kept();
create trigger invoice_line_is_kept before delete on invoice_line
    for each row when (pg_trigger_depth() = 0) execute function issued_invoice_is_kept();
