//! Billing: plans, the subscription, the card on file (through a
//! `PaymentProvider`), invoices with PDFs, plan changes, and the period-end
//! job that issues the next invoice.

pub mod credit_notes;
pub mod db;
pub mod dunning;
pub mod issued;
pub mod pdf;
pub mod provider;
pub mod service;
