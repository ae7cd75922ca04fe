-- Signs one-click unsubscribe links (RFC 8058): a link turns off one email
-- category for one person in one organization without signing in, and the
-- signature keeps it from being edited into another person's or category's.
-- Made by the database, like the form error key, so every instance agrees.
insert into server_secret (name, value)
values ('unsubscribe',
        decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
