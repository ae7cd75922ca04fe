//! Sign-up, sign-in and sign-out: accounts, their first organization, and the
//! customer sessions they start (`crate::session::customer`).

pub mod db;
pub mod invited;
pub mod service;
