-- The audit log cannot be emptied, even by the application.
--
-- 1. Deleting an organization no longer takes its log along: the foreign key
--    is dropped (entries keep the organization's id for ever), so the update
--    and delete triggers no longer need to let cascades through.
-- 2. TRUNCATE, which skips row triggers, is refused by a statement trigger.
-- 3. The server runs as `portal_runtime` (it sets that role on every pooled
--    connection; migrations run as the connecting owner role): it may insert
--    and read the log, never update, delete, truncate or alter it, and as it
--    owns no table it cannot drop or disable the triggers either.

alter table audit_log drop constraint audit_log_organization_id_fkey;

drop trigger audit_log_no_delete on audit_log;
create trigger audit_log_no_delete before delete on audit_log
    for each row execute function audit_log_is_append_only();

-- Updates stay allowed only inside a foreign key's action: the one left is
-- `actor_user_id ... on delete set null` (a deleted user's entries keep
-- their email in `actor_email`).
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_is_append_only();

-- Roles belong to the whole cluster; several databases (one per test) may
-- run this at once.
do $$
begin
    begin
        create role portal_runtime nologin;
    exception
        when duplicate_object or unique_violation then null;
    end;
    if not pg_has_role(current_user, 'portal_runtime', 'member') then
        begin
            execute format('grant portal_runtime to %I', current_user);
        exception
            when unique_violation then null;
        end;
    end if;
end
$$;
grant usage on schema public to portal_runtime;
grant select, insert, update, delete on all tables in schema public to portal_runtime;
grant usage, select, update on all sequences in schema public to portal_runtime;
revoke update, delete, truncate on audit_log from portal_runtime;
-- The migrations' own ledger (absent when migrations are applied by psql).
do $$
begin
    if to_regclass('_sqlx_migrations') is not null then
        revoke insert, update, delete, truncate on _sqlx_migrations from portal_runtime;
    end if;
end
$$;

-- Tables and sequences that later migrations create.
alter default privileges in schema public
    grant select, insert, update, delete on tables to portal_runtime;
alter default privileges in schema public
    grant usage, select, update on sequences to portal_runtime;
