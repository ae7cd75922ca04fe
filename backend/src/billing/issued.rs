//! What an invoice prints about who sold and who was billed, copied into the
//! invoice row when it is issued (migration `20261128000016`). Its PDF is
//! drawn from this copy, never from today's details: an issued invoice is a
//! legal document, and the database refuses edits to it.

use domain::billing::{BillingDetails, SELLER};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedSeller {
    pub name: String,
    pub address: Vec<String>,
    pub tax_id: String,
    pub email: String,
}

impl IssuedSeller {
    /// The seller as invoices issued now print it.
    pub fn current() -> Self {
        Self {
            name: SELLER.name.to_owned(),
            address: SELLER.address.iter().map(|l| (*l).to_owned()).collect(),
            tax_id: SELLER.tax_id.to_owned(),
            email: SELLER.email.to_owned(),
        }
    }
}

/// The customer as the invoice was addressed (SQL `invoice_bill_to`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillTo {
    /// The organization's name, printed when no company name was given.
    pub name: String,
    pub email: Option<String>,
    #[serde(flatten)]
    pub details: BillingDetails,
}
