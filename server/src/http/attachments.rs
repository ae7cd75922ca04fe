//! Ticket attachments over HTTP (not server functions: uploads stream, and
//! downloads are bytes with their own headers).
//!
//! - `POST /support/open` (members): the new-ticket form as
//!   `multipart/form-data`, so it can carry up to five `files`: the ticket,
//!   its first message and the files are one step. Without JavaScript it is
//!   the form's only way in (a refusal goes back to the form with what was
//!   typed); the app uses it when files were chosen, and gets the new
//!   ticket's id as JSON, or the `AppError` to show beside the fields.
//! - `POST /support/{id}/attachments` (members) and
//!   `POST /staff/tickets/{id}/attachments` (staff): a `multipart/form-data`
//!   form with up to five `files` and an optional `body`, posted as a reply.
//!   A form post without JavaScript is redirected back to the thread (with
//!   `?attach_error=<code>` when refused); the app's upload, which asks for
//!   JSON, gets 204, or the reason as text to show beside the field.
//! - `GET /support/attachments/{id}` (members of the ticket's organization)
//!   and `GET /staff/attachments/{id}` (staff): the file, always as a
//!   download; `…/preview` is an image's re-encoded PNG preview, inline.
//!   Both are served sandboxed and never sniffed, and another
//!   organization's file is a 404 like one that does not exist.

use super::paced::PacedMultipart;
use super::paths;
use super::shown_once;
use app::support::api::OpenTicket;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRef, Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use backend::session::{AccountSession, StaffSession};
use backend::support;
use backend::support::attachments::upload::FILES_FIELD;
use backend::support::attachments::{self, Download, Received, Variant};
use backend::{AppState, AuthSession};
use domain::attachments::{MAX_FILES, MAX_FILE_BYTES};
use domain::support::{parse_note_with_files, NewTicket};
use domain::{AppError, FieldErrors, Permission};
use serde_json::json;
use server_fn::ServerFn;
use uuid::Uuid;

/// The most a single upload may send: five full files and the form around them.
pub const MAX_UPLOAD_BYTES: usize = MAX_FILES * MAX_FILE_BYTES as usize + 64 * 1024;

/// The six routes, for the router to mount inside its session layer.
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    AppState: FromRef<S>,
{
    let uploads = Router::new()
        .route(paths::TICKET_OPEN, post(open_as_member))
        .route(paths::TICKET_ATTACHMENTS, post(upload_as_member))
        .route(paths::STAFF_TICKET_ATTACHMENTS, post(upload_as_staff))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES));
    Router::new()
        .merge(uploads)
        .route(paths::ATTACHMENT, get(download_as_member))
        .route(paths::ATTACHMENT_PREVIEW, get(preview_as_member))
        .route(paths::STAFF_ATTACHMENT, get(download_as_staff))
        .route(paths::STAFF_ATTACHMENT_PREVIEW, get(preview_as_staff))
}

pub async fn open_as_member(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    headers: HeaderMap,
    PacedMultipart(form): PacedMultipart,
) -> Response {
    let session = match member(session) {
        Ok(session) => session,
        Err(error) => return error.into_response(),
    };
    let received = match attachments::receive_form(&state.attachments, form).await {
        Ok(received) => received,
        Err(refused) => {
            let message = refused.refusal.message();
            let error = AppError::Validation(FieldErrors::single(FILES_FIELD, message));
            return ticket_refused(&headers, &refused.typed, &error);
        }
    };
    let opened = async {
        let input = NewTicket::parse(
            received.text("subject"),
            received.text("category"),
            received.text("priority"),
            received.body(),
        )?;
        support::service::open_ticket(&state, &session, input, &received.files).await
    };
    match opened.await {
        Ok(id) if wants_json(&headers) => Json(json!({ "id": id })).into_response(),
        Ok(id) => Redirect::to(&format!("/support/{id}")).into_response(),
        Err(error) => {
            attachments::remove(&state.attachments, &received.files).await;
            ticket_refused(&headers, &received, error.app())
        }
    }
}

/// The refusal as JSON for the app, or, after a post without JavaScript,
/// back to the form with the error beside its field and the text as typed
/// (files cannot be put back: the browser asks for them again).
fn ticket_refused(headers: &HeaderMap, typed: &Received, error: &AppError) -> Response {
    if wants_json(headers) {
        return (backend::error::status_of(error), Json(error)).into_response();
    }
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for field in ["subject", "category", "priority"] {
        form.append_pair(field, typed.text(field));
    }
    // An address has room for a long message, not for any message.
    if typed.body().len() <= MAX_TYPED_BODY_BYTES {
        form.append_pair("body", typed.body());
    }
    let page = format!("/support/new?{}", form.finish());
    shown_once::back_to(&page, OpenTicket::PATH, error)
}

/// The longest message sent back in the form's address (about 4,000
/// characters of plain text; http's limit for a whole address is 64 KiB).
const MAX_TYPED_BODY_BYTES: usize = 12 * 1024;

pub async fn upload_as_member(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    PacedMultipart(form): PacedMultipart,
) -> Response {
    let caller = member(session).and_then(|session| Ok((session, ticket_id(&id)?)));
    let (session, id) = match caller {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    let reply = async |received: &Received, body: &str| {
        backend::support::service::reply(&state, &session, id, body, &received.files).await
    };
    upload(&state, form, &headers, &format!("/support/{id}"), reply).await
}

pub async fn upload_as_staff(
    State(state): State<AppState>,
    staff: Option<Extension<StaffSession>>,
    customer: Option<Extension<AccountSession>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    PacedMultipart(form): PacedMultipart,
) -> Response {
    let caller = require_staff(staff, customer);
    let (Extension(staff), id) = match caller.and_then(|staff| Ok((staff, ticket_id(&id)?))) {
        Ok(caller) => caller,
        Err(error) => return backend::Error::from(error).into_response(),
    };
    let reply = async |received: &Received, body: &str| {
        backend::staff::service::reply(&state, &staff, id, body, &received.files).await
    };
    upload(
        &state,
        form,
        &headers,
        &format!("/staff/tickets/{id}"),
        reply,
    )
    .await
}

/// A member who may use support, or `Unauthorized` / `Forbidden`.
fn member(session: Option<Extension<AuthSession>>) -> backend::error::Result<AuthSession> {
    let Extension(session) = session.ok_or(AppError::Unauthorized)?;
    session.require(Permission::UseSupport)?;
    Ok(session)
}

/// The staff session; a customer's is `Forbidden` (signed in, not as
/// staff), none at all `Unauthorized`, as in the console's functions.
fn require_staff(
    staff: Option<Extension<StaffSession>>,
    customer: Option<Extension<AccountSession>>,
) -> Result<Extension<StaffSession>, AppError> {
    match (staff, customer) {
        (Some(staff), _) => Ok(staff),
        (None, Some(_)) => Err(AppError::Forbidden),
        (None, None) => Err(AppError::Unauthorized),
    }
}

fn ticket_id(id: &str) -> Result<Uuid, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

/// Stores the files, then records the reply carrying them; if the reply
/// cannot be recorded (a closed ticket, another organization's, Postgres
/// down), the stored files are removed again.
async fn upload(
    state: &AppState,
    form: Multipart,
    headers: &HeaderMap,
    thread: &str,
    reply: impl AsyncFnOnce(&Received, &str) -> backend::error::Result<()>,
) -> Response {
    let received = match attachments::receive(&state.attachments, form).await {
        Ok(received) => received,
        Err(refusal) if wants_json(headers) => {
            return (StatusCode::UNPROCESSABLE_ENTITY, refusal.message()).into_response()
        }
        Err(refusal) => {
            let back = format!("{thread}?attach_error={}#attach", refusal.code());
            return Redirect::to(&back).into_response();
        }
    };
    let outcome = match parse_note_with_files(received.body()) {
        Ok(body) => reply(&received, &body).await,
        Err(error) => Err(error.into()),
    };
    match outcome {
        Ok(()) if wants_json(headers) => StatusCode::NO_CONTENT.into_response(),
        Ok(()) => Redirect::to(thread).into_response(),
        Err(error) => {
            attachments::remove(&state.attachments, &received.files).await;
            explained(error)
        }
    }
}

/// The error as text to show beside the form: a refused message says what
/// to fix rather than "correct the highlighted fields".
fn explained(error: backend::Error) -> Response {
    match error.app() {
        AppError::Validation(fields) => {
            let message = fields.get("body").unwrap_or("Please check the message.");
            (StatusCode::UNPROCESSABLE_ENTITY, message.to_owned()).into_response()
        }
        _ => error.into_response(),
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

pub async fn download_as_member(
    state: State<AppState>,
    session: Option<Extension<AuthSession>>,
    id: Path<String>,
) -> Result<Response, backend::Error> {
    member_file(state, session, id, Variant::Original).await
}

pub async fn preview_as_member(
    state: State<AppState>,
    session: Option<Extension<AuthSession>>,
    id: Path<String>,
) -> Result<Response, backend::Error> {
    member_file(state, session, id, Variant::Preview).await
}

async fn member_file(
    State(state): State<AppState>,
    session: Option<Extension<AuthSession>>,
    Path(id): Path<String>,
    variant: Variant,
) -> Result<Response, backend::Error> {
    let session = member(session)?;
    let id = ticket_id(&id)?;
    let file =
        attachments::open_for_member(&state.db, &state.attachments, &session, id, variant).await?;
    Ok(serve(file, variant))
}

pub async fn download_as_staff(
    state: State<AppState>,
    staff: Option<Extension<StaffSession>>,
    customer: Option<Extension<AccountSession>>,
    id: Path<String>,
) -> Result<Response, backend::Error> {
    staff_file(state, staff, customer, id, Variant::Original).await
}

pub async fn preview_as_staff(
    state: State<AppState>,
    staff: Option<Extension<StaffSession>>,
    customer: Option<Extension<AccountSession>>,
    id: Path<String>,
) -> Result<Response, backend::Error> {
    staff_file(state, staff, customer, id, Variant::Preview).await
}

async fn staff_file(
    State(state): State<AppState>,
    staff: Option<Extension<StaffSession>>,
    customer: Option<Extension<AccountSession>>,
    Path(id): Path<String>,
    variant: Variant,
) -> Result<Response, backend::Error> {
    let _staff = require_staff(staff, customer)?;
    let id = ticket_id(&id)?;
    let file = attachments::open_for_staff(&state.db, &state.attachments, id, variant).await?;
    Ok(serve(file, variant))
}

/// The bytes as they stream from the store, with headers that keep them
/// inert: never sniffed, sandboxed if opened, a download unless it is our
/// own re-encoded preview.
fn serve(file: Download, variant: Variant) -> Response {
    let disposition = match variant {
        Variant::Original => format!("attachment; {}", file_name_parameters(&file.name)),
        Variant::Preview => "inline".to_owned(),
    };
    let mut response = Body::from_stream(file.body).into_response();
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    if let Ok(disposition) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    if let Some(size) = file.size {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// `filename="…"` in ASCII (others as `_`) for old clients, and the exact
/// name as RFC 5987's `filename*` for the rest. Names are already free of
/// quotes and control characters (`clean_file_name`).
fn file_name_parameters(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii() && c != '\\' { c } else { '_' })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}
