-- Secrets every instance shares, made once by the database itself (so there
-- is nothing to configure and every instance agrees). `form_errors` signs the
-- `?__err=` of a no-JavaScript form post's redirect: a page shows only errors
-- the server put there, never text from a link someone else wrote.
create table server_secret (
    name  text primary key,
    value bytea not null
);

insert into server_secret (name, value)
values ('form_errors',
        decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
