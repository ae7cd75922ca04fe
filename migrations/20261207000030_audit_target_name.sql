-- The name an audit entry's target goes by today: a person's name, a
-- ticket's subject, a help article's title; null for other targets or once
-- the target is gone. One definition for the audit page and its CSV export.
-- Each branch is one primary-key lookup, run only for its own target type.
-- (Positional parameters: a column named like a parameter would win.)
create function audit_target_name(target_type text, target_id text, organization_id uuid) returns text
language sql stable as $$
    select case
        -- These targets' ids are uuids; the pattern keeps a hand-written
        -- entry from failing the cast.
        when $2 !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then null
        when $1 in ('user', 'member', 'staff') then
            (select u.name from app_user u where u.id = $2::uuid)
        when $1 = 'ticket' then
            (select t.subject from ticket t where t.id = $2::uuid and t.organization_id = $3)
        when $1 = 'help_article' then
            (select h.title from help_article h where h.id = $2::uuid)
    end
$$;
