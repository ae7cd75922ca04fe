//! Server functions of the help center: what customers read (`help/…`, any
//! member of an organization) over `backend::help::service`, and the staff
//! console's (`help/console/…`) over `backend::help::console`.

use domain::help::{Article, ArticleSummary, HelpIndex};
use domain::AppError;
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    crate::request::{ctx, require_member, state},
    backend::help::service,
    domain::help::{parse_helpful, parse_search},
};

/// The help center's front page, or the articles matching `q` best first
/// with highlighted snippets. Errors: `Validation` (`q` too long).
#[server(endpoint = "help/articles", input = server_fn::codec::GetUrl)]
pub async fn search_help(#[server(default)] q: String) -> Result<HelpIndex, AppError> {
    require_member()?;
    let query = parse_search(&q)?;
    let state = state()?;
    Ok(service::index(&state, &state.help_searches, query).await?)
}

/// Up to three articles for a ticket subject being written.
/// Errors: `Validation` (`q`: subject too long).
#[server(endpoint = "help/suggest", input = server_fn::codec::GetUrl)]
pub async fn suggest_articles(
    #[server(default)] subject: String,
) -> Result<Vec<ArticleSummary>, AppError> {
    require_member()?;
    let subject = parse_search(&subject)?;
    let state = state()?;
    Ok(service::suggest(&state, &state.help_searches, &subject).await?)
}

/// A published article. `from` is `ticket` when it was opened from the
/// new-ticket form's suggestions (counted for deflection). Errors: `NotFound`.
#[server(endpoint = "help/article", input = server_fn::codec::GetUrl)]
pub async fn get_article(
    slug: String,
    #[server(default)] from: String,
) -> Result<Article, AppError> {
    let session = require_member()?;
    Ok(service::article(&ctx()?, &session, &slug, from == "ticket").await?)
}

/// "Was this helpful?": `helpful` is `yes` or `no`; answering again
/// changes the answer. Errors: `Validation`, `NotFound`.
#[server(endpoint = "help/answer")]
pub async fn answer_article(article_id: Uuid, helpful: String) -> Result<(), AppError> {
    let session = require_member()?;
    let helpful = parse_helpful(&helpful)?;
    Ok(service::answer(&ctx()?, &session, article_id, helpful).await?)
}

// ------------------------------------------------------------ console (staff)

/// Staff: every article with its answers and deflections, and the last
/// weeks' deflections beside tickets opened. Errors: `Unauthorized`.
#[server(endpoint = "help/console/report", input = server_fn::codec::GetUrl)]
pub async fn get_help_report() -> Result<domain::help::HelpReport, AppError> {
    let staff = crate::request::require_staff()?;
    Ok(backend::help::console::report(&ctx()?, &staff).await?)
}

/// Staff: an article, drafts too, for the editor. Errors: `NotFound`.
#[server(endpoint = "help/console/article", input = server_fn::codec::GetUrl)]
pub async fn get_article_draft(id: Uuid) -> Result<domain::help::ArticleDraft, AppError> {
    let staff = crate::request::require_staff()?;
    Ok(backend::help::console::draft(&ctx()?, &staff, id).await?)
}

/// Staff: saves a new article (`id` empty) or changes one, then goes back
/// to the list. Errors: `Validation` (every field; `slug` taken), `NotFound`.
#[server(endpoint = "help/console/save")]
pub async fn save_article(
    #[server(default)] id: String,
    title: String,
    #[server(default)] slug: String,
    category: String,
    #[server(default)] tags: String,
    body: String,
    #[server(default)] published: String,
) -> Result<Uuid, AppError> {
    let staff = crate::request::require_staff()?;
    let id = match id.trim() {
        "" => None,
        id => Some(id.parse::<Uuid>().map_err(|_| AppError::NotFound)?),
    };
    let input =
        domain::help::ArticleInput::parse(&title, &slug, &category, &tags, &body, &published)?;
    let state = state()?;
    let id = backend::help::console::save(&state, &state.help_searches, &staff, id, input).await?;
    leptos_axum::redirect("/staff/help");
    Ok(id)
}

/// Staff: the article body as readers will see it (sanitised HTML).
#[server(endpoint = "help/console/preview")]
pub async fn preview_article(body: String) -> Result<String, AppError> {
    crate::request::require_staff()?;
    if body.chars().count() > domain::help::BODY_MAX_CHARS {
        return Err(AppError::Validation(domain::error::FieldErrors::single(
            "body",
            format!("Use at most {} characters.", domain::help::BODY_MAX_CHARS),
        )));
    }
    Ok(backend::help::console::preview(&body))
}
