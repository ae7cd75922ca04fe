//! Integration tests: each test gets a fresh database (`#[sqlx::test]`) and its
//! own Redis key prefix, and talks to the real router over HTTP.

#![allow(clippy::unwrap_used)] // a panic is how a test fails

mod abuse;
mod account;
mod api_keys;
mod architecture;
mod assets;
mod attachments;
mod audit;
mod auth;
mod backups;
mod billing;
mod canned;
mod connections;
mod health;
mod help;
mod helpers;
mod identity;
mod matrix;
mod metrics;
mod notifications;
mod satisfaction;
mod security;
mod staff_members;
mod support;
mod team;
mod tenancy;
mod usage;
mod webhooks;
