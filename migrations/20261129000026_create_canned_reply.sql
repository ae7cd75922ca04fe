-- Canned replies: answers the support staff write once and insert into a
-- ticket's reply, with placeholders ({{first_name}}, {{plan}} …) filled
-- from that ticket. Shared by all staff; company-side, no organization.
create table canned_reply (
    id          uuid primary key default gen_random_uuid(),
    title       text not null check (length(title) between 1 and 80),
    body        text not null check (length(body) between 1 and 10000),
    created_by  uuid references staff (user_id) on delete set null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);
-- Titles are how staff pick one: no two alike, whatever the case.
create unique index canned_reply_title_key on canned_reply (lower(title));
