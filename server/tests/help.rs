//! The help center: customers find the shipped articles by the words they
//! use, drafts never show, Markdown can carry no script, bad searches are
//! answered and never fail, "was this helpful?" counts one answer per reader,
//! and the new-ticket form suggests articles (also without JavaScript).

use crate::helpers::*;
use backend::help::{builtin, db as help_db};
use domain::help::HelpCategory;
use domain::query::query_string;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sqlx::PgPool;

async fn customer(app: &TestApp) -> Client {
    builtin::install(&app.db).await.unwrap();
    let client = browser();
    app.sign_up(&client, &Org::new("Reader")).await;
    client
}

async fn search(app: &TestApp, client: &Client, q: &str) -> Value {
    let endpoint = format!("help/articles?{}", query_string(&[("q", q)]));
    json(ok(app.get(client, &endpoint).await).await).await
}

async fn suggest(app: &TestApp, client: &Client, subject: &str) -> Vec<String> {
    let endpoint = format!("help/suggest?{}", query_string(&[("subject", subject)]));
    let hits = json(ok(app.get(client, &endpoint).await).await).await;
    slugs(&hits)
}

fn slugs(articles: &Value) -> Vec<String> {
    articles
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn article(app: &TestApp, client: &Client, slug: &str, from: &str) -> reqwest::Response {
    let endpoint = format!(
        "help/article?{}",
        query_string(&[("slug", slug), ("from", from)])
    );
    app.get(client, &endpoint).await
}

async fn add_article(app: &TestApp, slug: &str, title: &str, body: &str, published: bool) {
    let inserted = help_db::insert_if_new(
        &app.db,
        help_db::NewArticleRow {
            slug,
            title,
            category: HelpCategory::Support,
            tags: &[],
            body,
            body_text: &backend::help::markdown::to_text(body),
            published,
        },
    )
    .await
    .unwrap();
    assert!(inserted);
}

/// The text of a snippet, with matched words in brackets.
fn snippet(hit: &Value) -> String {
    hit["snippet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|piece| {
            let text = piece["text"].as_str().unwrap();
            if piece["matched"].as_bool().unwrap() {
                format!("[{text}]")
            } else {
                text.to_owned()
            }
        })
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn customers_find_the_shipped_articles_in_their_own_words(db: PgPool) {
    let app = spawn_app(db).await;
    let client = customer(&app).await;

    let found = search(&app, &client, "download invoice pdf").await;
    assert_eq!(found["query"], "download invoice pdf");
    let hits = &found["articles"];
    assert_eq!(hits[0]["slug"], "download-an-invoice", "{found}");
    assert!(snippet(&hits[0]).contains("[PDF]"), "{}", snippet(&hits[0]));
    assert!(
        !snippet(&hits[0]).contains("**"),
        "snippets quote text, not Markdown"
    );

    // Tags carry the words the text may not use.
    assert_eq!(
        search(&app, &client, "2fa").await["articles"][0]["slug"],
        "turn-on-two-factor"
    );
    assert_eq!(
        search(&app, &client, "card declined").await["articles"][0]["slug"],
        "pay-a-failed-invoice"
    );

    // The front page lists every shipped article, grouped by category.
    let front = search(&app, &client, "").await;
    assert_eq!(
        front["articles"].as_array().unwrap().len(),
        builtin::ARTICLES.len()
    );
    assert!(front["articles"][0]["snippet"]
        .as_array()
        .unwrap()
        .is_empty());

    // Installing again (every start-up does) adds nothing.
    assert_eq!(builtin::install(&app.db).await.unwrap(), 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn stop_words_symbols_and_operators_find_nothing_and_fail_nothing(db: PgPool) {
    let app = spawn_app(db).await;
    let client = customer(&app).await;
    for q in [
        "the and of",
        "&|!():*<>",
        "'",
        "\"",
        "-",
        "or or or",
        "\\",
        "😀",
    ] {
        let found = search(&app, &client, q).await;
        assert_eq!(found["articles"], serde_json::json!([]), "{q:?}: {found}");
    }
    // A search for what no article mentions says so on the page, with a way
    // to support that carries the words over.
    let page = client
        .get(app.url("/help?q=quantum+teleportation"))
        .send()
        .await
        .unwrap();
    let page = ok_text(page).await;
    assert!(page.contains("No articles match"), "{page}");
    assert!(
        page.contains("/support/new?subject=quantum%20teleportation"),
        "{page}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_search_that_is_too_long_is_refused_next_to_the_field(db: PgPool) {
    let app = spawn_app(db).await;
    let client = customer(&app).await;
    let endpoint = format!("help/articles?{}", query_string(&[("q", "a".repeat(201))]));
    let response = app.get(&client, &endpoint).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error = response.text().await.unwrap();
    assert!(error.contains("at most 200 characters"), "{error}");
}

#[sqlx::test(migrations = "../migrations")]
async fn drafts_are_never_shown_or_answered(db: PgPool) {
    let app = spawn_app(db).await;
    let client = customer(&app).await;
    add_article(
        &app,
        "upcoming-feature",
        "Upcoming zeppelin feature",
        "Zeppelins soon.",
        false,
    )
    .await;

    assert!(search(&app, &client, "zeppelin").await["articles"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(suggest(&app, &client, "zeppelin").await.is_empty());
    let front = search(&app, &client, "").await;
    assert!(!slugs(&front["articles"]).contains(&"upcoming-feature".to_owned()));
    let response = article(&app, &client, "upcoming-feature", "").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let id: uuid::Uuid =
        sqlx::query_scalar("select id from help_article where slug = 'upcoming-feature'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let answered = app
        .call(
            &client,
            "help/answer",
            &[("article_id", &id.to_string()), ("helpful", "yes")],
        )
        .await;
    assert_eq!(answered.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn markdown_with_script_or_raw_html_is_rendered_inert(db: PgPool) {
    let app = spawn_app(db).await;
    let client = customer(&app).await;
    let body = "## Export\n\nUse **Export**.\n\n<script>alert('xss')</script>\n\n\
                [harmless](javascript:alert('link')) <img src=x onerror=\"alert('img')\">\n\n\
                <a href=\"javascript:alert('raw')\" onclick=\"alert('click')\">raw</a>";
    add_article(&app, "export-data", "Export your data", body, true).await;

    let shown = json(ok(article(&app, &client, "export-data", "").await).await).await;
    let html = shown["html"].as_str().unwrap();
    assert!(
        html.contains("<h2>Export</h2>") && html.contains("<strong>Export</strong>"),
        "{html}"
    );
    for inert in [
        "<script",
        "javascript:",
        "onerror",
        "onclick",
        "alert('xss')",
    ] {
        assert!(!html.contains(inert), "{inert} reached the page: {html}");
    }

    // The server-rendered page carries the same sanitised HTML.
    let page = ok_text(
        client
            .get(app.url("/help/export-data"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(page.contains("<strong>Export</strong>"), "{page}");
    assert!(
        !page.contains("alert('xss')") && !page.contains("javascript:alert"),
        "{page}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn each_reader_has_one_answer_to_was_this_helpful_and_may_change_it(db: PgPool) {
    let app = spawn_app(db).await;
    let client = customer(&app).await;
    let shown = json(ok(article(&app, &client, "reset-your-password", "").await).await).await;
    assert_eq!(shown["your_answer"], Value::Null);
    let id = shown["id"].as_str().unwrap().to_owned();

    for answer in ["yes", "yes", "no"] {
        ok(app
            .call(
                &client,
                "help/answer",
                &[("article_id", &id), ("helpful", answer)],
            )
            .await)
        .await;
    }
    let refused = app
        .call(
            &client,
            "help/answer",
            &[("article_id", &id), ("helpful", "meh")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let (answers, helpful): (i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where helpful) from help_feedback
         where article_id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((answers, helpful), (1, 0), "one answer, the last one given");
    let shown = json(ok(article(&app, &client, "reset-your-password", "").await).await).await;
    assert_eq!(shown["your_answer"], false);

    // Another reader's answer is their own.
    let other = browser();
    app.sign_up(&other, &Org::new("OtherReader")).await;
    let theirs = json(ok(article(&app, &other, "reset-your-password", "").await).await).await;
    assert_eq!(theirs["your_answer"], Value::Null);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_ticket_subject_brings_up_at_most_three_articles(db: PgPool) {
    let app = spawn_app(db).await;
    let client = customer(&app).await;
    let found = suggest(&app, &client, "How do I get a PDF of last month's invoice?").await;
    assert_eq!(
        found.first().map(String::as_str),
        Some("download-an-invoice"),
        "{found:?}"
    );
    assert!(found.len() <= 3, "{found:?}");
    assert_eq!(
        suggest(&app, &client, "I forgot my password").await[0],
        "reset-your-password"
    );
    assert!(suggest(&app, &client, "").await.is_empty());
    assert!(suggest(&app, &client, "the of and").await.is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn opening_a_suggested_article_is_counted_once_per_reader_and_hour(db: PgPool) {
    let app = spawn_app(db).await;
    let client = customer(&app).await;
    let opens = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from help_suggestion_open")
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    ok(article(&app, &client, "invite-a-teammate", "").await).await;
    assert_eq!(
        opens().await,
        0,
        "opened from the help center, not from a ticket"
    );
    ok(article(&app, &client, "invite-a-teammate", "ticket").await).await;
    ok(article(&app, &client, "invite-a-teammate", "ticket").await).await;
    assert_eq!(opens().await, 1, "a reload is not a second deflection");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_new_ticket_form_suggests_articles_without_javascript(db: PgPool) {
    let app = spawn_app(db).await;
    let client = customer(&app).await;
    // "Find answers first" submits the form to this page with GET.
    let page = client
        .get(app.url(&format!(
            "/support/new?subject=download+invoice&category=billing&priority=high&{}",
            query_string(&[("body", "Where?</textarea><script>alert(1)</script>")])
        )))
        .send()
        .await
        .unwrap();
    let page = ok_text(page).await;
    assert!(
        page.contains("/help/download-an-invoice?from=ticket"),
        "{page}"
    );
    assert!(
        page.contains(r#"value="download invoice""#),
        "the subject is kept: {page}"
    );
    assert!(
        page.contains(">Where?&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;</textarea>"),
        "the message is kept, as text: {page}"
    );
    assert!(!page.contains("<script>alert(1)"), "{page}");
    assert!(
        page.contains(r#"<option value="billing" selected"#),
        "{page}"
    );
    assert!(page.contains("formaction=\"/support/new\""), "{page}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_help_center_renders_on_the_server_for_members_only(db: PgPool) {
    let app = spawn_app(db).await;
    let client = customer(&app).await;
    let page = ok_text(client.get(app.url("/help")).send().await.unwrap()).await;
    assert!(
        page.contains("Billing and invoices") && page.contains("Download an invoice"),
        "{page}"
    );
    let results = ok_text(
        client
            .get(app.url("/help?q=rotate+key"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        results.contains("/help/rotate-or-revoke-an-api-key"),
        "{results}"
    );
    assert!(
        results.contains("<mark"),
        "matched words are marked: {results}"
    );

    let stranger = browser();
    let refused = app.get(&stranger, "help/articles").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let refused = article(&app, &stranger, "reset-your-password", "").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

// ------------------------------------------------------------ console

async fn save_article(app: &TestApp, staff: &Client, fields: &[(&str, &str)]) -> reqwest::Response {
    app.call(staff, "help/console/save", fields).await
}

#[sqlx::test(migrations = "../migrations")]
async fn staff_write_a_draft_publish_it_and_customers_find_it(db: PgPool) {
    let app = spawn_app(db).await;
    let customer = customer(&app).await;
    let (staff, _) = crate::support::staff_client(&app, "Sam Support").await;

    let fields = [
        ("title", "Export your data as CSV"),
        ("category", "usage"),
        ("tags", "spreadsheet, excel"),
        ("body", "## Steps\n\nOpen **Usage** and choose *Export*."),
    ];
    let saved = save_article(&app, &staff, &fields).await;
    let id = json(ok(saved).await).await.as_str().unwrap().to_owned();
    let draft = json(
        ok(app
            .get(&staff, &format!("help/console/article?id={id}"))
            .await)
        .await,
    )
    .await;
    assert_eq!(
        draft["slug"], "export-your-data-as-csv",
        "made from the title"
    );
    assert_eq!(draft["tags"], serde_json::json!(["spreadsheet", "excel"]));
    assert_eq!(draft["published"], false);
    assert!(search(&app, &customer, "excel").await["articles"]
        .as_array()
        .unwrap()
        .is_empty());

    let mut publish = fields.to_vec();
    publish.extend([("id", id.as_str()), ("published", "on")]);
    ok(save_article(&app, &staff, &publish).await).await;
    let found = search(&app, &customer, "excel").await;
    assert_eq!(
        found["articles"][0]["slug"], "export-your-data-as-csv",
        "{found}"
    );
    let shown = json(ok(article(&app, &customer, "export-your-data-as-csv", "").await).await).await;
    assert!(shown["html"]
        .as_str()
        .unwrap()
        .contains("<strong>Usage</strong>"));

    // Both saves are audited company-side, naming the article.
    let audited: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where organization_id is null and target_id = $1 order by id",
    )
    .bind(&id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, ["help_article.created", "help_article.updated"]);

    // The console lists it with its numbers, drafts and published alike.
    let report = json(ok(app.get(&staff, "help/console/report").await).await).await;
    let row = report["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id.as_str())
        .unwrap();
    assert_eq!(row["published"], true);
    assert_eq!(report["weeks"].as_array().unwrap().len(), 8);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_editor_refuses_bad_fields_and_a_taken_address_next_to_the_field(db: PgPool) {
    let app = spawn_app(db).await;
    builtin::install(&app.db).await.unwrap();
    let (staff, _) = crate::support::staff_client(&app, "Sam Support").await;

    let taken = save_article(
        &app,
        &staff,
        &[
            ("title", "Invoices"),
            ("slug", "download-an-invoice"),
            ("category", "billing"),
            ("body", "Text"),
        ],
    )
    .await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken
        .text()
        .await
        .unwrap()
        .contains("Another article has this address"));

    let bad = save_article(
        &app,
        &staff,
        &[
            ("title", " "),
            ("slug", "Not A Slug"),
            ("category", "x"),
            ("body", ""),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = bad.text().await.unwrap();
    for message in [
        "Enter a title.",
        "single hyphens",
        "Choose one of",
        "Write the article.",
    ] {
        assert!(errors.contains(message), "{message}: {errors}");
    }
    let count: i64 = sqlx::query_scalar("select count(*) from help_article")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        count as usize,
        builtin::ARTICLES.len(),
        "nothing half-written"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_preview_shows_what_readers_will_see_and_nothing_active(db: PgPool) {
    let app = spawn_app(db).await;
    let (staff, _) = crate::support::staff_client(&app, "Sam Support").await;
    let preview = app
        .call(
            &staff,
            "help/console/preview",
            &[("body", "**Hi** <script>alert(1)</script>")],
        )
        .await;
    let html = json(ok(preview).await).await.as_str().unwrap().to_owned();
    assert!(
        html.contains("<strong>Hi</strong>") && !html.contains("<script"),
        "{html}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn customers_cannot_use_the_console(db: PgPool) {
    let app = spawn_app(db).await;
    let customer = customer(&app).await;
    let nobody = browser();
    for (client, status) in [
        (&customer, StatusCode::FORBIDDEN),
        (&nobody, StatusCode::UNAUTHORIZED),
    ] {
        for endpoint in [
            "help/console/report",
            "help/console/article?id=00000000-0000-4000-8000-000000000000",
        ] {
            assert_eq!(
                app.get(client, endpoint).await.status(),
                status,
                "{endpoint}"
            );
        }
        let refused = save_article(
            &app,
            client,
            &[("title", "Mine"), ("category", "team"), ("body", "B")],
        )
        .await;
        assert_eq!(refused.status(), status);
        let refused = app
            .call(client, "help/console/preview", &[("body", "B")])
            .await;
        assert_eq!(refused.status(), status);
    }
    let count: i64 = sqlx::query_scalar("select count(*) from help_article where slug = 'mine'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_suggestion_opened_without_a_ticket_after_it_counts_as_a_deflection(db: PgPool) {
    let app = spawn_app(db).await;
    builtin::install(&app.db).await.unwrap();
    let (staff, _) = crate::support::staff_client(&app, "Sam Support").await;

    // One reader finds the answer; another reads it and opens a ticket anyway.
    let helped = browser();
    app.sign_up(&helped, &Org::new("Helped")).await;
    let unhelped = browser();
    app.sign_up(&unhelped, &Org::new("Unhelped")).await;
    for reader in [&helped, &unhelped] {
        ok(article(&app, reader, "download-an-invoice", "ticket").await).await;
    }
    crate::support::open_ticket(&app, &unhelped, "Still no PDF", "The button is missing.").await;

    // Nothing is settled within the hour after a suggestion was opened.
    let report = json(ok(app.get(&staff, "help/console/report").await).await).await;
    assert_eq!(totals(&report), (2, 0, 1));

    // Two hours on: the ticket came 10 minutes after its reader's opening.
    sqlx::query("update help_suggestion_open set opened_at = opened_at - interval '2 hours'")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update ticket set created_at = created_at - interval '110 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    let report = json(ok(app.get(&staff, "help/console/report").await).await).await;
    assert_eq!(totals(&report), (2, 1, 1));
    let row = report["articles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["slug"] == "download-an-invoice")
        .unwrap();
    assert_eq!(row["deflections"], 1);
}

/// Suggestions opened, deflections and tickets opened over the report's weeks.
fn totals(report: &Value) -> (i64, i64, i64) {
    report["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .fold((0, 0, 0), |(s, d, t), week| {
            (
                s + week["suggestions_opened"].as_i64().unwrap(),
                d + week["deflections"].as_i64().unwrap(),
                t + week["tickets_opened"].as_i64().unwrap(),
            )
        })
}
