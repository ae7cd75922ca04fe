-- Files on support tickets. The bytes live in the object store (local files
-- under the data folder, or S3) under `attachments/<id>`, written before this
-- row; a row exists only for a file stored whole. `organization_id` repeats
-- the ticket's so a download is authorized by one indexed lookup.
create table ticket_attachment (
    id              uuid primary key default gen_random_uuid(),
    ticket_id       uuid not null references ticket (id) on delete cascade,
    message_id      uuid not null references ticket_message (id) on delete cascade,
    organization_id uuid not null references organization (id) on delete cascade,
    file_name       text not null check (length(file_name) between 1 and 120),
    -- Decided by sniffing the content, never by the name (domain::attachments::FileKind).
    content_type    text not null,
    size_bytes      bigint not null check (size_bytes between 1 and 10485760),
    has_thumbnail   boolean not null default false,
    created_at      timestamptz not null default now()
);
create index ticket_attachment_message_idx on ticket_attachment (ticket_id, message_id);

-- A message may now carry only files (its text is optional then).
alter table ticket_message drop constraint ticket_message_body_check;
alter table ticket_message add constraint ticket_message_body_check check (length(body) <= 10000);
