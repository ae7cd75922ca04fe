//! The design system: small, accessible building blocks every page uses.

pub mod form;
pub mod layout;
pub mod status;
pub mod theme;
pub mod upcoming;

pub use form::{FormAlert, FormField, SubmitButton};
pub use layout::AppLayout;
pub use status::{render_errors as render_errors_boundary, Card, EmptyState, ErrorView, Loading};
pub use theme::ThemeToggle;
