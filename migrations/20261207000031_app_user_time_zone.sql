-- The zone a person reads times in (an IANA name such as "Europe/Berlin").
-- Null until known: the first sign-in stores the browser's zone, and account
-- settings change it. Staff are app users too, so the console uses it as well.
-- The application checks the name against its time zone database; the length
-- bound keeps a hostile value from being stored at all.
alter table app_user
    add column time_zone text check (length(time_zone) between 1 and 64);
