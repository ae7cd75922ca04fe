//! All SQL of the help center. Customer-facing reads select published
//! articles only (`published` is in the SQL). Search runs on the stored,
//! weighted `tsvector` (GIN index) and quotes `body_text` in its snippets,
//! highlighted with `HIGHLIGHT_START`/`HIGHLIGHT_STOP`.

use domain::help::{ArticleDraft, HelpCategory};
use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// `ts_headline` options: up to two short fragments, terms marked with the
/// private-use characters `domain::help::highlights` splits on.
const HEADLINE_OPTIONS: &str = "StartSel=\"\u{E000}\", StopSel=\"\u{E001}\", \
     MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=\" … \"";

pub struct SummaryRow {
    pub slug: String,
    pub title: String,
    pub category: HelpCategory,
}

/// Every published article, by category and title: the front page.
pub async fn list_published(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<SummaryRow>> {
    sqlx::query_as!(
        SummaryRow,
        r#"select slug, title, category as "category: HelpCategory"
           from help_article where published
           order by category, title"#
    )
    .fetch_all(db)
    .await
}

pub struct HitRow {
    pub slug: String,
    pub title: String,
    pub category: HelpCategory,
    pub snippet: String,
}

/// How a search's words must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// As people type into a search engine (`websearch_to_tsquery`): all
    /// words, "quoted phrases", -excluded.
    AllWords,
    /// Any word: for a ticket subject, a sentence rather than a query, whose
    /// words would rarely all be in one article (`plainto_tsquery`'s lexemes
    /// joined with `|`).
    AnyWord,
}

/// Published articles matching `text`, best first (those matching more of
/// it, and in their title or tags, rank higher). Stop words or symbols alone
/// match nothing and fail nothing. Snippets are made for the returned rows
/// only.
pub async fn matching(
    db: impl PgExecutor<'_>,
    text: &str,
    how: Match,
    limit: i64,
) -> sqlx::Result<Vec<HitRow>> {
    sqlx::query_as!(
        HitRow,
        r#"select slug as "slug!", title as "title!", category as "category!: HelpCategory",
                  ts_headline('english', body_text, query, $4) as "snippet!"
           from (
               select a.slug, a.title, a.category, a.body_text, q as query,
                      ts_rank_cd(a.search, q) as rank
               from help_article a,
                    cast(case when $2 then websearch_to_tsquery('english', $1)
                              else nullif(replace(plainto_tsquery('english', $1)::text, ' & ', ' | '), '')::tsquery
                         end as tsquery) q
               where a.published and a.search @@ q
               order by rank desc, a.title
               limit $3
           ) best
           order by rank desc, title"#,
        text,
        how == Match::AllWords,
        limit,
        HEADLINE_OPTIONS,
    )
    .fetch_all(db)
    .await
}

pub struct ArticleRow {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub category: HelpCategory,
    pub body: String,
    pub updated_at: OffsetDateTime,
}

pub async fn find_published(
    db: impl PgExecutor<'_>,
    slug: &str,
) -> sqlx::Result<Option<ArticleRow>> {
    sqlx::query_as!(
        ArticleRow,
        r#"select id, slug, title, category as "category: HelpCategory", body, updated_at
           from help_article where slug = $1 and published"#,
        slug
    )
    .fetch_optional(db)
    .await
}

/// A reader's "was this helpful?" answer to an article.
pub async fn answer_of(
    db: impl PgExecutor<'_>,
    article_id: Uuid,
    user_id: Uuid,
) -> sqlx::Result<Option<bool>> {
    sqlx::query_scalar!(
        "select helpful from help_feedback where article_id = $1 and user_id = $2",
        article_id,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Records or changes a reader's answer; `false` when the article is not
/// published (or does not exist), so nothing was recorded.
pub async fn save_answer(
    db: impl PgExecutor<'_>,
    article_id: Uuid,
    user_id: Uuid,
    helpful: bool,
) -> sqlx::Result<bool> {
    let saved = sqlx::query!(
        r#"insert into help_feedback (article_id, user_id, helpful)
           select id, $2, $3 from help_article where id = $1 and published
           on conflict (article_id, user_id)
           do update set helpful = excluded.helpful, answered_at = now()"#,
        article_id,
        user_id,
        helpful
    )
    .execute(db)
    .await?;
    Ok(saved.rows_affected() == 1)
}

/// A suggested article opened from the new-ticket form; once an hour per
/// reader and article, so reloading the page counts nothing twice.
pub async fn record_suggestion_open(
    db: impl PgExecutor<'_>,
    article_id: Uuid,
    user_id: Uuid,
    organization_id: Uuid,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"insert into help_suggestion_open (article_id, user_id, organization_id)
           select $1, $2, $3
           where not exists (
               select 1 from help_suggestion_open
               where article_id = $1 and user_id = $2 and opened_at > now() - interval '1 hour'
           )"#,
        article_id,
        user_id,
        organization_id
    )
    .execute(db)
    .await?;
    Ok(())
}

pub struct NewArticleRow<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub category: HelpCategory,
    pub tags: &'a [String],
    pub body: &'a str,
    pub body_text: &'a str,
    pub published: bool,
}

/// Inserts an article unless one has its slug; `true` when inserted.
pub async fn insert_if_new(db: impl PgExecutor<'_>, row: NewArticleRow<'_>) -> sqlx::Result<bool> {
    let inserted = sqlx::query!(
        r#"insert into help_article (slug, title, category, tags, body, body_text, published)
           values ($1, $2, $3, $4, $5, $6, $7)
           on conflict (slug) do nothing"#,
        row.slug,
        row.title,
        row.category.as_str(),
        row.tags,
        row.body,
        row.body_text,
        row.published,
    )
    .execute(db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

// ------------------------------------------------------------ console

pub struct StaffArticleRow {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub category: HelpCategory,
    pub published: bool,
    pub updated_at: OffsetDateTime,
    pub helpful_yes: i64,
    pub helpful_no: i64,
    pub deflections: i64,
}

/// Every article, drafts too, with its answers and its deflections in the
/// 30 days before `now`. A suggestion opened counts as a deflection once
/// an hour has passed without a ticket from its reader.
pub async fn list_with_stats(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<StaffArticleRow>> {
    sqlx::query_as!(
        StaffArticleRow,
        r#"select a.id, a.slug, a.title, a.category as "category: HelpCategory", a.published, a.updated_at,
                  (select count(*) from help_feedback f
                   where f.article_id = a.id and f.helpful) as "helpful_yes!",
                  (select count(*) from help_feedback f
                   where f.article_id = a.id and not f.helpful) as "helpful_no!",
                  (select count(*) from help_suggestion_open o
                   where o.article_id = a.id
                     and o.opened_at >= $1::timestamptz - interval '30 days'
                     and o.opened_at < $1::timestamptz - interval '1 hour'
                     and not exists (
                         select 1 from ticket t
                         where t.requester_id = o.user_id
                           and t.created_at >= o.opened_at
                           and t.created_at < o.opened_at + interval '1 hour'
                     )) as "deflections!"
           from help_article a
           order by a.published, a.category, a.title"#,
        now
    )
    .fetch_all(db)
    .await
}

pub struct WeekRow {
    pub week: OffsetDateTime,
    pub suggestions_opened: i64,
    pub deflections: i64,
    pub tickets_opened: i64,
}

/// The `weeks` weeks up to `now` (Monday to Monday, UTC), newest first:
/// suggestions opened, deflections and tickets opened, zero for quiet weeks.
pub async fn deflection_weeks(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
    weeks: i32,
) -> sqlx::Result<Vec<WeekRow>> {
    sqlx::query_as!(
        WeekRow,
        r#"with week as (
               select generate_series(
                   date_trunc('week', $1::timestamptz, 'UTC') - make_interval(weeks => $2 - 1),
                   date_trunc('week', $1::timestamptz, 'UTC'),
                   interval '1 week'
               ) as starts
           )
           select w.starts as "week!",
                  (select count(*) from help_suggestion_open o
                   where o.opened_at >= w.starts and o.opened_at < w.starts + interval '1 week'
                  ) as "suggestions_opened!",
                  (select count(*) from help_suggestion_open o
                   where o.opened_at >= w.starts and o.opened_at < w.starts + interval '1 week'
                     and o.opened_at < $1::timestamptz - interval '1 hour'
                     and not exists (
                         select 1 from ticket t
                         where t.requester_id = o.user_id
                           and t.created_at >= o.opened_at
                           and t.created_at < o.opened_at + interval '1 hour'
                     )) as "deflections!",
                  (select count(*) from ticket t
                   where t.created_at >= w.starts and t.created_at < w.starts + interval '1 week'
                  ) as "tickets_opened!"
           from week w
           order by w.starts desc"#,
        now,
        weeks
    )
    .fetch_all(db)
    .await
}

/// Any article, published or not, for the editor.
pub async fn find_by_id(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<ArticleDraft>> {
    sqlx::query_as!(
        ArticleDraft,
        r#"select id, slug, title, category as "category: HelpCategory", tags, body, published
           from help_article where id = $1"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// A new article; its id. Fails on `help_article_slug_key` when the slug
/// is taken.
pub async fn insert(db: impl PgExecutor<'_>, row: NewArticleRow<'_>) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"insert into help_article (slug, title, category, tags, body, body_text, published)
           values ($1, $2, $3, $4, $5, $6, $7) returning id"#,
        row.slug,
        row.title,
        row.category.as_str(),
        row.tags,
        row.body,
        row.body_text,
        row.published,
    )
    .fetch_one(db)
    .await
}

/// Replaces an article's content; `false` when there is no such article.
pub async fn update(
    db: impl PgExecutor<'_>,
    id: Uuid,
    row: NewArticleRow<'_>,
) -> sqlx::Result<bool> {
    let updated = sqlx::query!(
        r#"update help_article
           set slug = $2, title = $3, category = $4, tags = $5, body = $6, body_text = $7,
               published = $8, updated_at = now()
           where id = $1"#,
        id,
        row.slug,
        row.title,
        row.category.as_str(),
        row.tags,
        row.body,
        row.body_text,
        row.published,
    )
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}
