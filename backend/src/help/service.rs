//! Help center workflows for signed-in customers (the adapter has already
//! checked the session). Only published articles are ever read; a draft's
//! slug answers `NotFound` like a missing one.

use super::cache::{Kind, SearchCache};
use super::db::{self, Match};
use super::markdown;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::session::AuthSession;
use domain::dates::format_date;
use domain::help::{highlights, Article, ArticleSummary, HelpIndex, SEARCH_RESULTS, SUGGESTIONS};
use domain::AppError;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// The front page (every published article) or, for a search, the best
/// matches with snippets. `query` is already parsed (`parse_search`).
pub async fn index(ctx: &Ctx, searches: &SearchCache, query: String) -> Result<HelpIndex> {
    let articles = if query.is_empty() {
        db::list_published(&ctx.db)
            .await?
            .into_iter()
            .map(|row| ArticleSummary {
                slug: row.slug,
                title: row.title,
                category: row.category,
                snippet: Vec::new(),
            })
            .collect()
    } else {
        cached(searches, Kind::Search, &query, || async {
            db::matching(&ctx.db, &query, Match::AllWords, SEARCH_RESULTS as i64).await
        })
        .await?
    };
    Ok(HelpIndex { query, articles })
}

/// Up to `SUGGESTIONS` articles for a ticket subject being written; none
/// for an empty one.
pub async fn suggest(
    ctx: &Ctx,
    searches: &SearchCache,
    subject: &str,
) -> Result<Vec<ArticleSummary>> {
    if subject.is_empty() {
        return Ok(Vec::new());
    }
    cached(searches, Kind::Suggest, subject, || async {
        db::matching(&ctx.db, subject, Match::AnyWord, SUGGESTIONS as i64).await
    })
    .await
}

/// The cached answer to a search, or the database's (then cached).
async fn cached<F, Fut>(
    searches: &SearchCache,
    kind: Kind,
    query: &str,
    load: F,
) -> Result<Vec<ArticleSummary>>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = sqlx::Result<Vec<db::HitRow>>>,
{
    if let Some(answer) = searches.get(kind, query) {
        return Ok(answer.as_ref().clone());
    }
    let answer = hits(load().await?);
    searches.put(kind, query, Arc::new(answer.clone()));
    Ok(answer)
}

fn hits(rows: Vec<db::HitRow>) -> Vec<ArticleSummary> {
    rows.into_iter()
        .map(|row| ArticleSummary {
            slug: row.slug,
            title: row.title,
            category: row.category,
            snippet: highlights(&row.snippet),
        })
        .collect()
}

/// A published article, rendered, with the reader's earlier answer. Opened
/// from the new-ticket form's suggestions (`from_suggestion`), the opening is
/// recorded: a deflected ticket, unless the reader opens one soon after.
pub async fn article(
    ctx: &Ctx,
    session: &AuthSession,
    slug: &str,
    from_suggestion: bool,
) -> Result<Article> {
    let row = db::find_published(&ctx.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let (your_answer, ()) =
        futures::try_join!(db::answer_of(&ctx.db, row.id, session.user_id), async {
            if from_suggestion {
                db::record_suggestion_open(
                    &ctx.db,
                    row.id,
                    session.user_id,
                    session.organization_id,
                )
                .await?;
            }
            Ok(())
        },)?;
    Ok(Article {
        id: row.id,
        slug: row.slug,
        title: row.title,
        category: row.category,
        html: markdown::to_html(&row.body),
        updated_on: format_date(row.updated_at.date()),
        your_answer,
    })
}

/// Records (or changes) the reader's "was this helpful?" answer, in the
/// organization's audit log like every change a member makes.
/// Errors: `NotFound` for an article that is not published.
pub async fn answer(
    ctx: &Ctx,
    session: &AuthSession,
    article_id: Uuid,
    helpful: bool,
) -> Result<()> {
    let mut tx = ctx.db.begin().await?;
    if !db::save_answer(&mut *tx, article_id, session.user_id, helpful).await? {
        return Err(AppError::NotFound.into());
    }
    session
        .audit("help_article.answered")
        .target("help_article", article_id)
        .after(json!({ "helpful": helpful }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
