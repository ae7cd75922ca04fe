//! Support tickets as customers use them: open, list, read the thread, reply,
//! close and reopen, and rate once resolved. The staff console that answers them is its own feature;
//! it shares this feature's tables and writes (`db::insert_message`,
//! `db::update_status`).

pub mod attachments;
pub mod db;
pub mod due;
pub mod satisfaction;
pub mod service;
