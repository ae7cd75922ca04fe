//! The help center: published articles customers read and search before they
//! write a ticket, the articles suggested beside the new-ticket form, and
//! "was this helpful?" answers. Articles are Markdown, rendered to sanitised
//! HTML when read (`markdown`); the portal ships its own how-to articles
//! (`builtin`), installed once into every database. Searches and suggestions
//! are cached per instance (`cache`).

pub mod builtin;
pub mod cache;
pub mod console;
pub mod db;
pub mod markdown;
pub mod service;
