//! Canned replies: staff write, edit and delete them (customers cannot);
//! titles are unique; a placeholder that does not exist is refused beside
//! the field; inserting one into a ticket fills it from that ticket.

use crate::helpers::*;
use crate::support::{customer, open_ticket, staff_client};
use reqwest::{Client, Response, StatusCode};
use sqlx::PgPool;

async fn save(app: &TestApp, staff: &Client, id: &str, title: &str, body: &str) -> Response {
    app.call(
        staff,
        "staff/canned/save",
        &[("id", id), ("title", title), ("body", body)],
    )
    .await
}

async fn titles(app: &TestApp, staff: &Client) -> Vec<String> {
    let list = json(ok(app.get(staff, "staff/canned").await).await).await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn staff_keep_canned_replies_with_unique_titles_and_known_placeholders(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (staff, _) = staff_client(&app, "Cara Canned").await;
    let (owner, _) = customer(&app, "Outsider").await;

    let refund = json(
        ok(save(
            &app,
            &staff,
            "",
            "Refund issued",
            "Hi {{first_name}}, done.",
        )
        .await)
        .await,
    )
    .await;
    let refund = refund.as_str().unwrap().to_owned();
    ok(save(&app, &staff, "", "Export how-to", "Use Billing → Export.").await).await;
    assert_eq!(
        titles(&app, &staff).await,
        ["Export how-to", "Refund issued"]
    );

    // Same title in another case: refused beside the title, nothing stored.
    let taken = save(&app, &staff, "", "REFUND ISSUED", "x").await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken
        .text()
        .await
        .unwrap()
        .contains("Another canned reply has this title"));
    let typo = save(&app, &staff, "", "Typo", "Hi {{frist_name}}").await;
    assert_eq!(typo.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(typo
        .text()
        .await
        .unwrap()
        .contains("{{frist_name}} is not a placeholder"));
    assert_eq!(titles(&app, &staff).await.len(), 2);

    // Edit in place, then delete.
    ok(save(
        &app,
        &staff,
        &refund,
        "Refund sent",
        "Hi {{first_name}}, sent.",
    )
    .await)
    .await;
    assert_eq!(titles(&app, &staff).await, ["Export how-to", "Refund sent"]);
    ok(app
        .call(&staff, "staff/canned/delete", &[("id", &refund)])
        .await)
    .await;
    assert_eq!(titles(&app, &staff).await, ["Export how-to"]);
    let gone = app
        .call(&staff, "staff/canned/delete", &[("id", &refund)])
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    // Customers have no way in.
    assert_eq!(
        app.get(&owner, "staff/canned").await.status(),
        StatusCode::FORBIDDEN
    );
    let refused = save(&app, &owner, "", "Sneaky", "x").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where target_type = 'canned_reply' order by created_at, id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "canned_reply.created",
            "canned_reply.created",
            "canned_reply.updated",
            "canned_reply.deleted"
        ]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_inserted_canned_reply_is_filled_in_for_the_ticket(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = customer(&app, "Filled").await;
    let ticket = open_ticket(&app, &owner, "Invoice copy", "Please resend.").await;
    let (staff, _) = staff_client(&app, "Sam Filler").await;
    let body = "Hi {{first_name}} ({{customer_name}}),\n{{organization}} on {{plan}}: \"{{ticket_subject}}\" is done.\n— {{agent_name}}";
    let canned = json(ok(save(&app, &staff, "", "Done", body).await).await).await;
    let canned = canned.as_str().unwrap();

    let filled = json(
        ok(app
            .get(
                &staff,
                &format!("staff/canned/fill?ticket_id={ticket}&canned_id={canned}"),
            )
            .await)
        .await,
    )
    .await;
    // Sign-up names every test owner "Test Owner".
    assert_eq!(
        filled,
        format!(
            "Hi Test (Test Owner),\n{} on Free: \"Invoice copy\" is done.\n— Sam Filler",
            org.name
        )
    );
    // Without JavaScript the ticket page fills the reply on the server.
    let page = ok_text(
        staff
            .get(app.url(&format!("/staff/tickets/{ticket}?canned={canned}")))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains("Hi Test (Test Owner)"),
        "the reply box holds the filled text"
    );

    let unknown = app
        .get(
            &staff,
            &format!("staff/canned/fill?ticket_id={ticket}&canned_id={ticket}"),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
