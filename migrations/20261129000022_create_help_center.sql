-- The help center: articles customers find before they write a ticket.
-- `body` is the Markdown staff write (rendered and sanitised when read);
-- `body_text` is its plain text, kept beside it for search and snippets so
-- neither shows Markdown syntax. Search weighs the title and tags (words
-- customers use that the text may not: "2fa", "declined") above the body.

-- array_to_string is only stable in general (element types print through
-- settings-dependent functions), but text elements print as themselves.
create function help_tags_text(tags text[]) returns text
    language sql immutable parallel safe
    return array_to_string(tags, ' ');

create table help_article (
    id          uuid primary key default gen_random_uuid(),
    slug        text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
    title       text not null check (length(title) between 1 and 120),
    category    text not null check (category in ('billing', 'account', 'team', 'api_keys', 'usage', 'support')),
    tags        text[] not null default '{}',
    body        text not null check (length(body) <= 50000),
    body_text   text not null,
    published   boolean not null default false,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    search      tsvector generated always as (
                    setweight(to_tsvector('english', title), 'A') ||
                    setweight(to_tsvector('english', help_tags_text(tags)), 'A') ||
                    setweight(to_tsvector('english', body_text), 'B')
                ) stored,
    constraint help_article_slug_key unique (slug)
);
create index help_article_search_idx on help_article using gin (search);
create index help_article_published_idx on help_article (category, title) where published;

-- "Was this helpful?": one answer per person and article, which they may change.
create table help_feedback (
    article_id  uuid not null references help_article (id) on delete cascade,
    user_id     uuid not null references app_user (id) on delete cascade,
    helpful     boolean not null,
    answered_at timestamptz not null default now(),
    primary key (article_id, user_id)
);

-- A suggested article opened from the new-ticket form. When no ticket of that
-- person follows within the hour, the portal counts a deflected ticket.
create table help_suggestion_open (
    id              uuid primary key default gen_random_uuid(),
    article_id      uuid not null references help_article (id) on delete cascade,
    user_id         uuid not null references app_user (id) on delete cascade,
    organization_id uuid not null references organization (id) on delete cascade,
    opened_at       timestamptz not null default now()
);
create index help_suggestion_open_opened_idx on help_suggestion_open (opened_at);
create index help_suggestion_open_reader_idx on help_suggestion_open (user_id, article_id, opened_at);
create index ticket_requester_created_idx on ticket (requester_id, created_at);
