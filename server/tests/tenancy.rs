use crate::helpers::*;
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn members_of_one_organization_never_see_another(db: PgPool) {
    let app = spawn_app(db).await;
    let (alice, bob) = (browser(), browser());
    let (org_a, org_b) = (Org::new("Alpha"), Org::new("Bravo"));
    app.sign_up(&alice, &org_a).await;
    app.sign_up(&bob, &org_b).await;

    for (client, own, other) in [(&alice, &org_a, &org_b), (&bob, &org_b, &org_a)] {
        let dashboard = app.dashboard(client).await.text().await.unwrap();
        let members = app.get(client, "team/members").await.text().await.unwrap();
        let user = app
            .get(client, "auth/current_user")
            .await
            .text()
            .await
            .unwrap();
        let page = client
            .get(app.url("/team"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for body in [&dashboard, &members, &user, &page] {
            assert!(
                body.contains(&own.email) || body.contains(&own.name),
                "own data present: {body}"
            );
            assert!(
                !body.contains(&other.email) && !body.contains(&other.name),
                "other tenant leaked: {body}"
            );
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn organization_cannot_be_chosen_by_the_client(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let (alice, bob) = (browser(), browser());
    app.sign_up(&alice, &Org::new("Alpha")).await;
    let org_b = Org::new("Bravo");
    app.sign_up(&bob, &org_b).await;
    let bravo_id: uuid::Uuid =
        sqlx::query_scalar!("select id from organization where name = $1", org_b.name)
            .fetch_one(&db)
            .await
            .unwrap();

    // Extra arguments naming another organization are ignored, never obeyed.
    let response = alice
        .get(app.url(&format!("/api/team/members?organization_id={bravo_id}")))
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert!(!body.contains(&org_b.email), "{body}");
}

#[sqlx::test(migrations = "../migrations")]
async fn signed_out_callers_get_401_from_every_data_function(db: PgPool) {
    let app = spawn_app(db).await;
    for endpoint in ["dashboard/summary", "team/members"] {
        assert_eq!(
            app.get(&browser(), endpoint).await.status(),
            StatusCode::UNAUTHORIZED,
            "{endpoint}"
        );
    }
}
