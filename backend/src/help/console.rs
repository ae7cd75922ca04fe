//! The help center as staff run it: write and publish articles, and see
//! what they are worth: "was this helpful?" answers and deflected tickets
//! beside the tickets opened. The adapter has already checked the staff
//! session; articles belong to no organization.

use super::cache::SearchCache;
use super::{db, markdown};
use crate::ctx::Ctx;
use crate::error::{OnConstraint, Result};
use crate::session::StaffSession;
use domain::dates::format_date;
use domain::error::FieldErrors;
use domain::help::{ArticleDraft, ArticleInput, DeflectionWeek, HelpReport, StaffArticle};
use domain::AppError;
use serde_json::json;
use uuid::Uuid;

/// Weeks of deflections the console shows.
const REPORT_WEEKS: i32 = 8;

/// Every article with its numbers, and the last weeks' deflections.
pub async fn report(ctx: &Ctx, _staff: &StaffSession) -> Result<HelpReport> {
    let now = ctx.now();
    let (articles, weeks) = futures::try_join!(
        db::list_with_stats(&ctx.db, now),
        db::deflection_weeks(&ctx.db, now, REPORT_WEEKS),
    )?;
    Ok(HelpReport {
        articles: articles
            .into_iter()
            .map(|row| StaffArticle {
                id: row.id,
                slug: row.slug,
                title: row.title,
                category: row.category,
                published: row.published,
                updated_on: format_date(row.updated_at.date()),
                helpful_yes: row.helpful_yes,
                helpful_no: row.helpful_no,
                deflections: row.deflections,
            })
            .collect(),
        weeks: weeks
            .into_iter()
            .map(|row| DeflectionWeek {
                week_of: format_date(row.week.date()),
                suggestions_opened: row.suggestions_opened,
                deflections: row.deflections,
                tickets_opened: row.tickets_opened,
            })
            .collect(),
    })
}

/// An article, drafts too, for the editor. Errors: `NotFound`.
pub async fn draft(ctx: &Ctx, _staff: &StaffSession, id: Uuid) -> Result<ArticleDraft> {
    Ok(db::find_by_id(&ctx.db, id)
        .await?
        .ok_or(AppError::NotFound)?)
}

/// Writes a new article (`id` `None`) or replaces one; returns its id.
/// Audited company-side. This instance's cached searches are cleared
/// (others expire theirs).
/// Errors: `Validation` (`slug` taken), `NotFound`.
pub async fn save(
    ctx: &Ctx,
    searches: &SearchCache,
    staff: &StaffSession,
    id: Option<Uuid>,
    input: ArticleInput,
) -> Result<Uuid> {
    let body_text = markdown::to_text(&input.body);
    let row = db::NewArticleRow {
        slug: &input.slug,
        title: &input.title,
        category: input.category,
        tags: &input.tags,
        body: &input.body,
        body_text: &body_text,
        published: input.published,
    };
    let slug_taken = || {
        AppError::Validation(FieldErrors::single(
            "slug",
            "Another article has this address. Choose another.",
        ))
    };
    let mut tx = ctx.db.begin().await?;
    let (id, action) = match id {
        None => {
            let id = db::insert(&mut *tx, row)
                .await
                .on_constraint("help_article_slug_key", slug_taken)?;
            (id, "help_article.created")
        }
        Some(id) => {
            let found = db::update(&mut *tx, id, row)
                .await
                .on_constraint("help_article_slug_key", slug_taken)?;
            if !found {
                return Err(AppError::NotFound.into());
            }
            (id, "help_article.updated")
        }
    };
    staff
        .audit(action)
        .target("help_article", id)
        .after(json!({ "slug": input.slug, "title": input.title, "published": input.published }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    searches.clear();
    Ok(id)
}

/// The editor's preview: exactly what readers will see.
pub fn preview(body: &str) -> String {
    markdown::to_html(body)
}
