//! Ticket attachments: what is accepted is decided by the content; a refused
//! or interrupted upload leaves nothing stored; files reach only the
//! ticket's organization and staff, as inert downloads; image previews are
//! our own re-encoded PNGs.

use crate::helpers::*;
use crate::support::{customer, open_ticket, staff_client};
use reqwest::multipart::{Form, Part};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sqlx::PgPool;
use std::path::Path;

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([20, 120, 220]));
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

fn file(name: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes).file_name(name.to_owned())
}

fn files(parts: Vec<Part>) -> Form {
    parts
        .into_iter()
        .fold(Form::new(), |form, part| form.part("files", part))
}

/// Posts `form` the way the app's upload does (it asks for JSON).
async fn upload(app: &TestApp, client: &Client, path: &str, form: Form) -> Response {
    client
        .post(app.url(path))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

async fn attach(app: &TestApp, client: &Client, ticket: &str, form: Form) -> Response {
    upload(app, client, &format!("/support/{ticket}/attachments"), form).await
}

async fn thread(app: &TestApp, client: &Client, ticket: &str) -> Value {
    json(
        ok(app
            .get(client, &format!("support/ticket?id={ticket}"))
            .await)
        .await,
    )
    .await
}

/// Files in the app's attachment folder (staging files included).
fn stored_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().is_dir() {
                pending.push(entry.path());
            } else {
                found.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
    }
    found
}

async fn attachment_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from ticket_attachment")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// No file stored, no row, and the thread still its first message alone.
async fn assert_nothing_stored(app: &TestApp, client: &Client, ticket: &str) {
    assert_eq!(stored_files(&app.attachments_dir), Vec::<String>::new());
    assert_eq!(attachment_rows(app).await, 0);
    let messages = thread(app, client, ticket).await["messages"].clone();
    assert_eq!(messages.as_array().unwrap().len(), 1);
}

async fn get(app: &TestApp, client: &Client, path: &str) -> Response {
    client.get(app.url(path)).send().await.unwrap()
}

/// A GET that must succeed (a download, a preview).
async fn fetch(app: &TestApp, client: &Client, path: &str) -> Response {
    ok(get(app, client, path).await).await
}

async fn refused(response: Response) -> String {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    response.text().await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_screenshot_is_previewed_and_downloaded_by_the_organization_and_staff_only(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, org) = customer(&app, "Shots").await;
    let ticket = open_ticket(&app, &owner, "Chart is blank", "See the screenshot.").await;
    let screenshot = png(1000, 500);
    let form = files(vec![
        file("screen shot.png", screenshot.clone()),
        file("usage.csv", b"day,calls\n1,20\n".to_vec()),
    ])
    .text("body", "Here it is.");
    assert_eq!(
        attach(&app, &owner, &ticket, form).await.status(),
        StatusCode::NO_CONTENT
    );
    let audited: Value = sqlx::query_scalar(
        "select after from audit_log where action = 'ticket.replied' and target_id = $1",
    )
    .bind(&ticket)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        audited["files"],
        serde_json::json!(["screen shot.png", "usage.csv"])
    );

    // Any member sees the files under the message that carries them.
    let member = member_with_role(&app, &org.email, "member").await;
    let messages = thread(&app, &member, &ticket).await["messages"].clone();
    let reply = &messages[1];
    assert_eq!(reply["body"], "Here it is.");
    let names: Vec<&str> = reply["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["screen shot.png", "usage.csv"]);
    assert_eq!(reply["attachments"][0]["thumbnail"], true);
    assert_eq!(reply["attachments"][1]["thumbnail"], false);
    let png_id = reply["attachments"][0]["id"].as_str().unwrap().to_owned();
    let csv_id = reply["attachments"][1]["id"].as_str().unwrap().to_owned();

    // The file comes back byte for byte, as an inert download.
    let download = fetch(&app, &member, &format!("/support/attachments/{png_id}")).await;
    let headers = download.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"screen shot.png\"; filename*=UTF-8''screen%20shot.png"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("sandbox"));
    assert_eq!(
        download.bytes().await.unwrap().as_ref(),
        screenshot.as_slice()
    );
    let csv = fetch(&app, &member, &format!("/support/attachments/{csv_id}")).await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");

    // The preview is a small PNG of our own making, shown inline.
    let preview = fetch(
        &app,
        &member,
        &format!("/support/attachments/{png_id}/preview"),
    )
    .await;
    assert_eq!(preview.headers()["content-disposition"], "inline");
    let small = image::load_from_memory(&preview.bytes().await.unwrap()).unwrap();
    assert_eq!((small.width(), small.height()), (320, 160));
    let no_preview = get(
        &app,
        &member,
        &format!("/support/attachments/{csv_id}/preview"),
    )
    .await;
    assert_eq!(no_preview.status(), StatusCode::NOT_FOUND);

    // Another organization, or nobody, cannot tell the file exists.
    let (stranger, _) = customer(&app, "Stranger").await;
    for path in [
        format!("/support/attachments/{png_id}"),
        format!("/support/attachments/{png_id}/preview"),
    ] {
        let response = get(&app, &stranger, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let response = get(&app, &browser(), &path).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    // A customer session is not a staff one.
    let response = get(&app, &owner, &format!("/staff/attachments/{png_id}")).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Staff download it from the console.
    let (staff, _) = staff_client(&app, "Sam Support").await;
    let download = fetch(&app, &staff, &format!("/staff/attachments/{png_id}")).await;
    assert_eq!(
        download.bytes().await.unwrap().as_ref(),
        screenshot.as_slice()
    );
    let console = json(ok(app.get(&staff, &format!("staff/ticket?id={ticket}")).await).await).await;
    assert_eq!(
        console["messages"][1]["attachments"][0]["id"],
        png_id.as_str()
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn refused_files_are_explained_and_leave_nothing_behind(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "Refused").await;
    let ticket = open_ticket(&app, &owner, "Files", "Some files follow.").await;
    let eleven_mb = vec![b'a'; 11 * 1024 * 1024];
    let exe = [b"MZ\x90\x00\x03\x00\x00\x00".as_slice(), &[0u8; 512]].concat();
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>"#.to_vec();
    let elf = [b"\x7fELF\x02\x01\x01\x00".as_slice(), &[0u8; 120]].concat();
    let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    let cases = [
        (files(vec![file("big.log", eleven_mb)]), "at most 10 MB"),
        (
            (0..6).fold(Form::new(), |form, i| {
                form.part("files", file(&format!("{i}.txt"), b"hi".to_vec()))
            }),
            "at most 5 files",
        ),
        (files(vec![file("photo.png", exe)]), "can't be attached"),
        (files(vec![file("logo.png", svg)]), "SVG and HTML"),
        (files(vec![file("page.txt", html)]), "SVG and HTML"),
        (files(vec![file("empty.txt", Vec::new())]), "empty"),
        (Form::new().text("body", "no files"), "at least one file"),
        // A good file is not kept when a later one is refused.
        (
            files(vec![file("ok.png", png(10, 10)), file("bad.png", elf)]),
            "can't be attached",
        ),
    ];
    for (form, reason) in cases {
        let message = refused(attach(&app, &owner, &ticket, form).await).await;
        assert!(
            message.contains(reason),
            "{message:?} should say {reason:?}"
        );
    }
    assert_nothing_stored(&app, &owner, &ticket).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_zip_is_kept_as_sent_and_never_unpacked(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "Zipper").await;
    let ticket = open_ticket(&app, &owner, "Logs", "Zipped logs.").await;
    // A local file header claiming 4 GB unpacked, over 10 MB of deflated zeros.
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut encoder, &vec![0u8; 10 * 1024 * 1024]).unwrap();
    let deflated = encoder.finish().unwrap();
    let mut bomb = b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
    bomb.extend_from_slice(&(deflated.len() as u32).to_le_bytes());
    bomb.extend_from_slice(&u32::MAX.to_le_bytes());
    bomb.extend_from_slice(&[5, 0, 0, 0]);
    bomb.extend_from_slice(b"zeros");
    bomb.extend_from_slice(&deflated);
    let form = files(vec![file("logs.zip", bomb.clone())]);
    assert_eq!(
        attach(&app, &owner, &ticket, form).await.status(),
        StatusCode::NO_CONTENT
    );

    let file = &thread(&app, &owner, &ticket).await["messages"][1]["attachments"][0];
    let download = fetch(
        &app,
        &owner,
        &format!("/support/attachments/{}", file["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(download.headers()["content-type"], "application/zip");
    assert_eq!(download.bytes().await.unwrap().len(), bomb.len());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_file_name_cannot_reach_a_path_or_a_header(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "Names").await;
    let ticket = open_ticket(&app, &owner, "Names", "Odd names.").await;
    // Written by hand: a client other than a browser may send a Windows
    // path and a raw tab in the name (other control characters do not even
    // parse as a header).
    let body = concat!(
        "--XYZ\r\n",
        "Content-Disposition: form-data; name=\"files\"; filename=\"..\\..\\Windows\\evil\tname.txt\"\r\n",
        "Content-Type: text/plain\r\n\r\n",
        "hello\r\n",
        "--XYZ--\r\n",
    );
    let response = owner
        .post(app.url(&format!("/support/{ticket}/attachments")))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NO_CONTENT,
        "{:?}",
        response.text().await
    );

    let file = &thread(&app, &owner, &ticket).await["messages"][1]["attachments"][0];
    assert_eq!(file["name"], "evilname.txt");
    let id = file["id"].as_str().unwrap();
    let download = fetch(&app, &owner, &format!("/support/attachments/{id}")).await;
    assert_eq!(
        download.headers()["content-disposition"],
        "attachment; filename=\"evilname.txt\"; filename*=UTF-8''evilname.txt"
    );
    assert_eq!(
        download.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    // Stored under the attachment's id only.
    assert_eq!(stored_files(&app.attachments_dir), [id]);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_upload_cut_mid_stream_stores_nothing(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "Cut").await;
    let ticket = open_ticket(&app, &owner, "Big log", "Uploading.").await;
    // 2 MB of a 5 MB file, then the connection fails.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(vec![b'x'; 1024 * 1024]),
        Ok(vec![b'y'; 1024 * 1024]),
        Err(std::io::Error::other("network gone")),
    ];
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let part = Part::stream_with_length(body, 5 * 1024 * 1024).file_name("server.log");
    let sent = owner
        .post(app.url(&format!("/support/{ticket}/attachments")))
        .header("sec-fetch-site", "same-origin")
        .multipart(files(vec![part]))
        .send()
        .await;
    assert!(sent.is_err(), "the upload was cut");

    // The server notices the cut, aborts, and cleans up.
    for _ in 0..50 {
        if stored_files(&app.attachments_dir).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_nothing_stored(&app, &owner, &ticket).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn without_javascript_the_form_returns_to_the_thread_with_the_reason(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "NoJs").await;
    let ticket = open_ticket(&app, &owner, "Plain form", "No script.").await;
    let post = |form: Form| {
        owner
            .post(app.url(&format!("/support/{ticket}/attachments")))
            .header("sec-fetch-site", "same-origin")
            .multipart(form)
            .send()
    };
    let done = post(files(vec![file("notes.txt", b"fine".to_vec())]))
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(done.headers()["location"], format!("/support/{ticket}"));

    let refused = post(files(vec![file("a.png", b"MZ\x90\x00".to_vec())]))
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    let back = refused.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        back,
        format!("/support/{ticket}?attach_error=unsupported#attach")
    );
    let page = ok_text(get(&app, &owner, &back).await).await;
    assert!(
        page.contains("That kind of file can&#x27;t be attached")
            || page.contains("That kind of file can't be attached")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn staff_attach_files_as_a_reply_and_a_closed_ticket_takes_none(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "Staffed").await;
    let ticket = open_ticket(&app, &owner, "Need the guide", "Where is it?").await;
    let (staff, _) = staff_client(&app, "Sam Support").await;
    let form = files(vec![file(
        "guide.pdf",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec(),
    )]);
    let response = upload(
        &app,
        &staff,
        &format!("/staff/tickets/{ticket}/attachments"),
        form,
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let customer_view = thread(&app, &owner, &ticket).await;
    assert_eq!(customer_view["status"], "pending");
    let reply = &customer_view["messages"][1];
    assert_eq!(reply["author_kind"], "staff");
    assert_eq!(reply["body"], "");
    assert_eq!(reply["attachments"][0]["name"], "guide.pdf");
    let pdf = fetch(
        &app,
        &owner,
        &format!(
            "/support/attachments/{}",
            reply["attachments"][0]["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");

    ok(app
        .call(&owner, "support/close", &[("ticket_id", &ticket)])
        .await)
    .await;
    let response = attach(
        &app,
        &owner,
        &ticket,
        files(vec![file("late.txt", b"late".to_vec())]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(attachment_rows(&app).await, 1);
    assert_eq!(stored_files(&app.attachments_dir).len(), 1);
}

/// The new-ticket form's fields, and `parts` as its files.
fn new_ticket(subject: &str, body: &str, parts: Vec<Part>) -> Form {
    parts.into_iter().fold(
        Form::new()
            .text("subject", subject.to_owned())
            .text("category", "technical")
            .text("priority", "high")
            .text("body", body.to_owned()),
        |form, part| form.part("files", part),
    )
}

async fn tickets(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from ticket")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_ticket_carries_its_files_in_one_step(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "Opener").await;
    let (other, _) = customer(&app, "Other").await;

    // The app's way: JSON back, with the new ticket's id.
    let form = new_ticket(
        "Export fails",
        "See the screenshot.",
        vec![file("error.png", png(30, 20))],
    );
    let opened = json(ok(upload(&app, &owner, "/support/open", form).await).await).await;
    let id = opened["id"].as_str().expect("the ticket's id").to_owned();
    let first = thread(&app, &owner, &id).await["messages"][0].clone();
    assert_eq!(first["body"], "See the screenshot.");
    assert_eq!(first["attachments"][0]["name"], "error.png");
    assert_eq!(first["attachments"][0]["thumbnail"], true);
    // Its organization only.
    let theirs = app.get(&other, &format!("support/ticket?id={id}")).await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);

    // Without JavaScript: the same form, then the new ticket's page.
    let posted = owner
        .post(app.url("/support/open"))
        .header("sec-fetch-site", "same-origin")
        .multipart(new_ticket(
            "Log attached",
            "Here is the log.",
            vec![file("run.log", b"started\nfailed\n".to_vec())],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let location = posted.headers()["location"].to_str().unwrap().to_owned();
    let second = location
        .strip_prefix("/support/")
        .expect(&location)
        .to_owned();
    let first = thread(&app, &owner, &second).await["messages"][0].clone();
    assert_eq!(first["attachments"][0]["name"], "run.log");
    // And with no file at all, as the form is mostly sent.
    let plain = upload(
        &app,
        &owner,
        "/support/open",
        new_ticket("No files", "Hi.", vec![]),
    )
    .await;
    assert_eq!(ok(plain).await.status(), StatusCode::OK);
    assert_eq!((tickets(&app).await, attachment_rows(&app).await), (3, 2));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_new_ticket_keeps_nothing_and_is_explained_beside_the_field(db: PgPool) {
    let app = spawn_app(db).await;
    let (owner, _) = customer(&app, "Careful").await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;

    let bad_file = new_ticket("Logo", "Our logo.", vec![file("logo.svg", svg.to_vec())]);
    let error = refused(upload(&app, &owner, "/support/open", bad_file).await).await;
    assert!(
        error.contains("files") && error.contains("SVG and HTML"),
        "{error}"
    );

    // A good file is removed again when the ticket itself is refused.
    let no_subject = new_ticket(" ", "Body.", vec![file("ok.png", png(10, 10))]);
    let error = refused(upload(&app, &owner, "/support/open", no_subject).await).await;
    assert!(
        error.contains("subject") && error.contains("Enter a subject."),
        "{error}"
    );
    assert_eq!(stored_files(&app.attachments_dir), Vec::<String>::new());
    assert_eq!((tickets(&app).await, attachment_rows(&app).await), (0, 0));

    // Without JavaScript: back to the form, the error beside the subject and
    // the message as typed.
    let typed = "Line one of what I typed, with ümlauts & symbols.";
    let posted = owner
        .post(app.url("/support/open"))
        .header("sec-fetch-site", "same-origin")
        .multipart(new_ticket("", typed, vec![file("ok.png", png(10, 10))]))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let back = posted.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with("/support/new?"), "{back}");
    let page = ok_text(get(&app, &owner, &back).await).await;
    assert!(page.contains("Enter a subject."), "the subject's error");
    assert!(
        page.contains("Line one of what I typed, with ümlauts &amp; symbols."),
        "the message as typed"
    );
    assert_eq!(stored_files(&app.attachments_dir), Vec::<String>::new());
    assert_eq!(tickets(&app).await, 0);

    // A refused file gives the form back as typed too, fields sent after the
    // file included, and keeps none of the files (the good one before it).
    let files_first = Form::new()
        .part("files", file("ok.png", png(10, 10)))
        .part("files", file("logo.svg", svg.to_vec()))
        .text("subject", "Our logo looks wrong")
        .text("category", "technical")
        .text("priority", "high")
        .text("body", typed);
    let posted = owner
        .post(app.url("/support/open"))
        .header("sec-fetch-site", "same-origin")
        .multipart(files_first)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let back = posted.headers()["location"].to_str().unwrap().to_owned();
    let page = ok_text(get(&app, &owner, &back).await).await;
    assert!(page.contains("SVG and HTML"), "the file's error");
    assert!(
        page.contains("value=\"Our logo looks wrong\""),
        "the subject as typed"
    );
    assert!(
        page.contains("Line one of what I typed, with ümlauts &amp; symbols."),
        "the message as typed"
    );
    assert_eq!(stored_files(&app.attachments_dir), Vec::<String>::new());
    assert_eq!(tickets(&app).await, 0);
}

/// An S3-compatible endpoint (moto's server, started by `scripts/services`).
fn s3_endpoint() -> String {
    std::env::var("PORTAL_TEST_S3_ENDPOINT")
        .expect("PORTAL_TEST_S3_ENDPOINT must be set: eval \"$(scripts/services env)\"")
}

/// A new, empty bucket for one test, and the store writing into it.
async fn s3_bucket() -> (String, backend::support::attachments::AttachmentStore) {
    let endpoint = s3_endpoint();
    let bucket = format!("portal-test-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("the S3 endpoint answers");
    assert!(created.status().is_success(), "{created:?}");
    let store = backend::support::attachments::AttachmentStore::from_url_with(
        &format!("s3://{bucket}/portal"),
        [
            ("aws_endpoint", endpoint.as_str()),
            ("aws_allow_http", "true"),
            ("aws_region", "us-east-1"),
            ("aws_access_key_id", "test"),
            ("aws_secret_access_key", "test"),
        ],
    )
    .expect("the bucket's store");
    (format!("{endpoint}/{bucket}"), store)
}

/// How many `<tag>` elements a bucket listing (`?query`) has.
async fn s3_count(bucket: &str, query: &str, tag: &str) -> usize {
    let listing = reqwest::get(format!("{bucket}?{query}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    listing.matches(&format!("<{tag}>")).count()
}

#[sqlx::test(migrations = "../migrations")]
async fn attachments_stream_into_an_s3_compatible_bucket(db: PgPool) {
    let (bucket, store) = s3_bucket().await;
    let app = spawn_app_with_attachments(db, store).await;
    let (owner, _) = customer(&app, "Bucketed").await;

    // A log larger than one 5 MiB part goes up in parts; a screenshot gets
    // its preview beside it.
    let log: Vec<u8> = (0..200_000)
        .flat_map(|line| format!("{line:08} GET /v1/usage 200 12ms\n").into_bytes())
        .collect();
    assert!(log.len() > 5 * 1024 * 1024, "{}", log.len());
    let form = new_ticket(
        "Exports time out",
        "The log and a screenshot.",
        vec![file("run.log", log.clone()), file("shot.png", png(40, 30))],
    );
    let opened = json(ok(upload(&app, &owner, "/support/open", form).await).await).await;
    let id = opened["id"].as_str().unwrap().to_owned();
    let first = thread(&app, &owner, &id).await["messages"][0].clone();
    let log_id = first["attachments"][0]["id"].as_str().unwrap().to_owned();
    let png_id = first["attachments"][1]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        s3_count(&bucket, "list-type=2", "Key").await,
        3,
        "two files and a preview"
    );

    let downloaded = fetch(&app, &owner, &format!("/support/attachments/{log_id}")).await;
    assert_eq!(downloaded.bytes().await.unwrap().as_ref(), &log[..]);
    let preview = fetch(
        &app,
        &owner,
        &format!("/support/attachments/{png_id}/preview"),
    )
    .await;
    assert_eq!(preview.headers()["content-type"], "image/png");

    // A file refused mid-stream, after its first parts went up, leaves
    // nothing in the bucket: the multipart upload is aborted, not left open.
    let too_large = log.repeat(3);
    let refused_form = new_ticket("Huge", "Too big.", vec![file("huge.log", too_large)]);
    let error = refused(upload(&app, &owner, "/support/open", refused_form).await).await;
    assert!(error.contains("at most 10 MB"), "{error}");
    assert_eq!(s3_count(&bucket, "list-type=2", "Key").await, 3);
    assert_eq!(
        s3_count(&bucket, "uploads", "Upload").await,
        0,
        "no part left"
    );
    assert_eq!(tickets(&app).await, 1);
}
