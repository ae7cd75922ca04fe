//! A backup is only as good as its restore: scripts/backup then scripts/restore
//! into a new database, and the portal started on it shows the same account.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use std::path::PathBuf;
use std::process::Command;

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts")
        .join(name)
}

/// Runs a backup script against `database_url`; its last stdout line.
fn run(name: &str, args: &[&str], database_url: &str) -> String {
    let output = Command::new(script(name))
        .args(args)
        .env("DATABASE_URL", database_url)
        .output()
        .expect("the script runs");
    assert!(
        output.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout.lines().last().unwrap_or_default().to_owned()
}

/// The URL of the database behind `db`, on the test server.
fn url_of(db: &PgPool) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let server = base.rsplit_once('/').unwrap().0;
    format!(
        "{server}/{}",
        db.connect_options()
            .get_database()
            .expect("a database name")
    )
}

/// What a customer would check after a restore.
async fn account_view(app: &TestApp, email: &str) -> (Value, Value, Vec<u8>, Value) {
    let client = browser();
    let signed_in = app.sign_in(&client, email, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let dashboard = json(app.get(&client, "dashboard/summary").await).await;
    let invoices = json(app.get(&client, "billing/invoices?page=1").await).await;
    let id = invoices["invoices"][0]["id"].as_str().unwrap().to_owned();
    let pdf = client
        .get(app.url(&format!("/billing/invoices/{id}/pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    let pdf = pdf.bytes().await.unwrap().to_vec();
    let audit = json(app.get(&client, "audit/entries").await).await;
    (dashboard, invoices, pdf, audit)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_backup_restores_into_a_new_database_the_portal_runs_on(db: PgPool) {
    let app = spawn_app(db.clone()).await;
    let owner = browser();
    let org = Org::new("Backup");
    app.sign_up(&owner, &org).await;
    assert_eq!(
        app.save_card(&owner, "4242424242424242").await.status(),
        StatusCode::OK
    );
    let upgraded = app
        .call(&owner, "billing/change_plan", &[("plan", "pro")])
        .await;
    assert_eq!(
        upgraded.status(),
        StatusCode::OK,
        "a paid invoice to restore"
    );
    let before = account_view(&app, &org.email).await;

    let dump = std::env::temp_dir().join(format!("portal-{}.dump", uuid::Uuid::new_v4()));
    let source = url_of(&db);
    run("backup", &[dump.to_str().unwrap()], &source);
    let name = format!(
        "portal_restored_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let target = format!("{}/{name}", source.rsplit_once('/').unwrap().0);
    let drop_target = format!("drop database if exists \"{name}\" with (force)");
    assert_eq!(
        run("restore", &[dump.to_str().unwrap(), &target], &source),
        target
    );
    // Into a database that is not empty, never: it would mix two accounts.
    let again = Command::new(script("restore"))
        .args([dump.to_str().unwrap(), &target])
        .env("DATABASE_URL", &source)
        .output()
        .unwrap();
    assert!(
        !again.status.success(),
        "a second restore into it is refused"
    );

    // A new instance (its own Redis prefix: nothing cached) on the restored copy.
    let restored_db = PgPool::connect(&target).await.unwrap();
    let restored = spawn_app(restored_db.clone()).await;
    let after = account_view(&restored, &org.email).await;
    assert_eq!(after.0, before.0, "the same dashboard");
    assert_eq!(after.1, before.1, "the same invoices");
    assert!(after.2 == before.2, "the invoice PDF, byte for byte");
    // The audit log: everything before, plus the sign-in just made.
    let entries = |audit: &Value| audit["entries"].as_array().unwrap().len();
    assert_eq!(entries(&after.3), entries(&before.3) + 1, "{}", after.3);

    std::fs::remove_file(&dump).unwrap();
    restored_db.close().await;
    drop(restored);
    sqlx::query(&drop_target).execute(&db).await.unwrap();
}
