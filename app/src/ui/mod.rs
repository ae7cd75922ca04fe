//! The design system: the building blocks every page is made of, so a page
//! is written in terms of what it shows, and a table, a pager or a badge looks
//! and behaves the same everywhere (keyboard, screen reader, dark mode).
//!
//! - `frame`: `Frame` (skip link, brand, navigation, account, `<main>`) and
//!   `CardFrame` for signed-out pages; `layout`: the session gate every
//!   signed-in frame (customer: `auth::AppLayout`, staff) uses;
//! - `page_header`: `PageHeader`; `table`: `DataTable`; `pager`: `Pager` and
//!   `page_links`; `badge`: `Badge` and its `Tone`s;
//! - `form`: `FormField`, `TextAreaField`, `SelectField`, `ListField`, `SubmitButton`,
//!   `FormAlert`, and the error signals of actions and no-JS posts;
//! - `status`: `Card`, `Loading`, `EmptyState`, `ErrorView`;
//! - `style`: shared class names; `theme`: the dark-mode switch; `time`:
//!   `When`, every instant in the reader's zone.

pub mod badge;
pub mod form;
pub mod frame;
pub mod layout;
pub mod page_header;
pub mod pager;
pub mod status;
pub mod style;
pub mod table;
pub mod theme;
pub mod time;

pub use badge::{Badge, Tone};
pub use form::{FormAlert, FormField, ListField, SelectField, SubmitButton, TextAreaField};
pub use frame::{CardFrame, Frame, FrameAccount, FrameContext, FrameNav, NavLinks, SignOutButton};
pub use page_header::{HeaderActions, PageHeader};
pub use pager::{page_links, Pager};
pub use status::{render_errors as render_errors_boundary, Card, EmptyState, ErrorView, Loading};
pub use table::DataTable;
pub use theme::ThemeToggle;
pub use time::When;
