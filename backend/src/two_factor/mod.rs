//! Two-factor authentication with TOTP (RFC 6238) and single-use recovery
//! codes: enrollment (scan, confirm a code), the check at sign-in (a code is
//! accepted once: the matched 30-second step is stored and an older or equal
//! step is refused), regeneration of recovery codes, and turning it off
//! (password and a code). Every change is audited and emailed to the user.

pub mod db;
pub mod service;
pub mod totp;
