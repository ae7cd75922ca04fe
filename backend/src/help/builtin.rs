//! The how-to articles Portal ships: one per task customers most often
//! wrote tickets about. Installed published into every database at start-up
//! (`install`), by slug and only when missing, so staff edits and
//! unpublished articles stay as staff left them.

use super::{db, markdown};
use domain::help::HelpCategory;
use sqlx::PgPool;

pub struct BuiltinArticle {
    pub slug: &'static str,
    pub title: &'static str,
    pub category: HelpCategory,
    pub tags: &'static [&'static str],
    pub body: &'static str,
}

macro_rules! article {
    ($slug:literal, $title:literal, $category:ident, [$($tag:literal),*]) => {
        BuiltinArticle {
            slug: $slug,
            title: $title,
            category: HelpCategory::$category,
            tags: &[$($tag),*],
            body: include_str!(concat!("articles/", $slug, ".md")),
        }
    };
}

pub const ARTICLES: &[BuiltinArticle] = &[
    article!(
        "download-an-invoice",
        "Download an invoice",
        Billing,
        ["invoice", "pdf", "receipt"]
    ),
    article!(
        "change-billing-email",
        "Change your billing email or address",
        Billing,
        ["billing email", "address", "tax id"]
    ),
    article!(
        "update-your-card",
        "Update the card you pay with",
        Billing,
        ["card", "payment method"]
    ),
    article!(
        "pay-a-failed-invoice",
        "Pay an invoice that failed",
        Billing,
        ["payment failed", "pay now", "declined"]
    ),
    article!(
        "change-your-plan",
        "Change your plan",
        Billing,
        ["upgrade", "downgrade", "plan"]
    ),
    article!(
        "cancel-your-subscription",
        "Cancel your subscription",
        Billing,
        ["cancel", "subscription"]
    ),
    article!(
        "reset-your-password",
        "Reset your password",
        Account,
        ["password", "forgot", "sign in"]
    ),
    article!(
        "turn-on-two-factor",
        "Turn on two-factor authentication",
        Account,
        ["2fa", "totp", "recovery codes"]
    ),
    article!(
        "manage-your-sessions",
        "See where you are signed in",
        Account,
        ["sessions", "sign out", "devices"]
    ),
    article!(
        "change-your-login-email",
        "Change your login email",
        Account,
        ["email", "login"]
    ),
    article!(
        "switch-organizations",
        "Work in several organizations",
        Account,
        ["organization", "switch"]
    ),
    article!(
        "invite-a-teammate",
        "Invite a teammate",
        Team,
        ["invite", "member", "seats"]
    ),
    article!(
        "roles-and-permissions",
        "Roles and what they can do",
        Team,
        ["roles", "permissions", "admin", "owner"]
    ),
    article!(
        "create-an-api-key",
        "Create an API key",
        ApiKeys,
        ["api key", "token"]
    ),
    article!(
        "rotate-or-revoke-an-api-key",
        "Rotate or revoke an API key",
        ApiKeys,
        ["rotate", "revoke", "leaked"]
    ),
    article!(
        "read-your-usage",
        "Read your usage and limits",
        Usage,
        ["usage", "limits", "alerts", "overage"]
    ),
    article!(
        "contact-support",
        "Open a support ticket",
        Support,
        ["ticket", "support", "priority"]
    ),
];

/// Adds the shipped articles a database does not have yet; returns how many.
pub async fn install(db: &PgPool) -> sqlx::Result<usize> {
    let mut installed = 0;
    for article in ARTICLES {
        let tags: Vec<String> = article.tags.iter().map(|t| (*t).to_owned()).collect();
        let inserted = db::insert_if_new(
            db,
            db::NewArticleRow {
                slug: article.slug,
                title: article.title,
                category: article.category,
                tags: &tags,
                body: article.body,
                body_text: &markdown::to_text(article.body),
                published: true,
            },
        )
        .await?;
        installed += usize::from(inserted);
    }
    Ok(installed)
}
