use crate::{FieldErrors, Money};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Invoices per page of the history.
pub const INVOICES_PER_PAGE: u32 = 10;

/// Who issues the invoices (printed on every PDF).
pub const SELLER: Seller = Seller {
    name: "Portal Cloud Inc.",
    address: &[
        "100 Market Street, Suite 300",
        "San Francisco, CA 94105",
        "United States",
    ],
    tax_id: "US 12-3456789",
    email: "billing@portal.example",
};

#[derive(Debug, Clone, Copy)]
pub struct Seller {
    pub name: &'static str,
    pub address: &'static [&'static str],
    pub tax_id: &'static str,
    pub email: &'static str,
}

/// A plan as the billing page offers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub id: String,
    pub name: String,
    pub price: Money,
    pub seats_limit: i64,
    pub api_calls_limit: i64,
    pub storage_mb_limit: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentMethod {
    pub brand: String,
    pub last4: String,
    pub exp_month: i16,
    pub exp_year: i16,
}

/// Who invoices are addressed to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingDetails {
    pub company_name: String,
    pub address_line1: String,
    pub address_line2: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub tax_id: String,
}

/// Everything the billing page shows above the invoice history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingOverview {
    pub plan: PlanSummary,
    /// "active", "past_due" (a charge failed, retries are scheduled),
    /// "unpaid" (every retry failed: Free plan limits apply) or "canceled".
    pub status: String,
    /// "2026-11-01".
    pub period_start: String,
    pub period_end: String,
    /// The date of the next charge and its amount (plan after any scheduled
    /// change, with tax; usage over the limits comes on top). `None` when the
    /// subscription ends or the next period is free.
    pub next_billing: Option<(String, Money)>,
    pub cancel_at_period_end: bool,
    pub scheduled_plan: Option<PlanSummary>,
    pub payment_method: Option<PaymentMethod>,
    pub billing_email: Option<String>,
    pub details: BillingDetails,
    pub plans: Vec<PlanSummary>,
}

/// A failed payment that owners and the billing role must act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAlert {
    /// Every retry failed: the organization is held to the Free plan's limits.
    pub unpaid: bool,
    /// When the earliest unpaid charge failed: "Nov 3, 2026".
    pub failed_on: String,
}

impl PaymentAlert {
    /// The banner's sentence.
    pub fn message(&self) -> String {
        if self.unpaid {
            format!(
                "Your payment failed on {} and every retry failed: the Free plan's limits apply until an invoice is paid.",
                self.failed_on
            )
        } else {
            format!(
                "Your payment failed on {}. Update your card to keep your plan.",
                self.failed_on
            )
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(
    feature = "sqlx",
    derive(sqlx::Type),
    sqlx(type_name = "text", rename_all = "lowercase")
)]
pub enum InvoiceStatus {
    Paid,
    Open,
    Overdue,
    Void,
}

impl InvoiceStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "paid" => Some(Self::Paid),
            "open" => Some(Self::Open),
            "overdue" => Some(Self::Overdue),
            "void" => Some(Self::Void),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "paid",
            Self::Open => "open",
            Self::Overdue => "overdue",
            Self::Void => "void",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Paid => "Paid",
            Self::Open => "Open",
            Self::Overdue => "Overdue",
            Self::Void => "Void",
        }
    }
}

/// One row of the invoice history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceSummary {
    pub id: Uuid,
    pub number: String,
    pub status: InvoiceStatus,
    pub issued_on: String,
    pub due_on: String,
    /// "Nov 1, 2026 – Dec 1, 2026".
    pub period: String,
    pub total: Money,
    /// For an invoice that can be paid now: the key of one payment attempt,
    /// new with every listing, so a double submit charges once.
    pub pay_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoicePage {
    pub invoices: Vec<InvoiceSummary>,
    /// 1-based.
    pub page: u32,
    pub pages: u32,
    /// Invoices the filter keeps.
    pub total: i64,
    /// The years with invoices, newest first (the year filter's choices).
    pub years: Vec<i32>,
}

/// Which invoices the billing page lists and exports: a number (or part of
/// one), a status and a year of issue, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceFilter {
    /// Upper-case letters, digits and dashes: "INV-2026", "0042".
    pub number: Option<String>,
    pub status: Option<InvoiceStatus>,
    pub year: Option<i32>,
}

impl InvoiceFilter {
    /// The query's three fields, as the page's form sends them; an empty
    /// field filters nothing. Errors name the field.
    pub fn parse(number: &str, status: &str, year: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let number = number.trim().to_ascii_uppercase();
        if number.len() > 40
            || !number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            errors.add(
                "number",
                "Search by an invoice number, such as INV-2026-0001 or part of one.",
            );
        }
        let status = match status.trim() {
            "" => None,
            other => InvoiceStatus::parse(other).or_else(|| {
                errors.add("status", "Choose paid, open, overdue or void.");
                None
            }),
        };
        let year = match year.trim() {
            "" => None,
            other => other
                .parse::<i32>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .or_else(|| {
                    errors.add("year", "Choose a year such as 2026.");
                    None
                }),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            number: (!number.is_empty()).then_some(number),
            status,
            year,
        })
    }

    /// The filter as query pairs (empty ones left out), for links that keep it.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(number) = &self.number {
            pairs.push(("number", number.clone()));
        }
        if let Some(status) = self.status {
            pairs.push(("status", status.as_str().to_owned()));
        }
        if let Some(year) = self.year {
            pairs.push(("year", year.to_string()));
        }
        pairs
    }

    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// A credit note as the billing page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditNoteSummary {
    pub id: Uuid,
    /// "CN-2026-000001".
    pub number: String,
    /// The invoice it corrects.
    pub invoice_number: String,
    pub issued_on: String,
    /// Credited, tax included.
    pub total: Money,
    pub reason: String,
}

/// What support staff fill in to credit part or all of an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditNoteDraft {
    pub invoice_id: Uuid,
    /// Tax included, in `currency`'s minor units; above zero.
    pub amount_minor: i64,
    pub currency: crate::Currency,
    pub reason: String,
}

impl CreditNoteDraft {
    /// Errors name the field: `invoice_id`, `amount` ("12.50"), `currency`,
    /// `reason` (3 to 500 characters, said to the customer on the PDF).
    pub fn parse(
        invoice_id: &str,
        amount: &str,
        currency: &str,
        reason: &str,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let invoice_id = Uuid::parse_str(invoice_id.trim()).ok();
        if invoice_id.is_none() {
            errors.add("invoice_id", "Choose the invoice to credit.");
        }
        let amount_minor = parse_amount(amount);
        if amount_minor.is_none() {
            errors.add("amount", "Enter an amount above zero, such as 12.50.");
        }
        let currency = crate::Currency::parse(currency).ok();
        if currency.is_none() {
            errors.add("currency", "Choose USD, EUR or GBP.");
        }
        let reason = reason.trim().to_owned();
        if !(3..=500).contains(&reason.chars().count()) {
            errors.add(
                "reason",
                "Say why, in 3 to 500 characters: the customer reads it on the credit note.",
            );
        }
        match (invoice_id, amount_minor, currency) {
            (Some(invoice_id), Some(amount_minor), Some(currency)) if errors.is_empty() => {
                Ok(Self {
                    invoice_id,
                    amount_minor,
                    currency,
                    reason,
                })
            }
            _ => Err(errors),
        }
    }
}

/// "12.50", "12.5", "1,234" to minor units (above zero); `None` otherwise.
fn parse_amount(text: &str) -> Option<i64> {
    let text: String = text.trim().chars().filter(|c| *c != ',').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (units, cents) = match text.split_once('.') {
        Some((units, cents)) if digits(cents) && cents.len() <= 2 => (units, cents),
        Some(_) => return None,
        None => (text.as_str(), ""),
    };
    if !digits(units) || units.len() > 12 {
        return None;
    }
    let cents = format!("{cents:0<2}").parse::<i64>().ok()?;
    let minor = units
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)?;
    (minor > 0).then_some(minor)
}

/// The days, counted from the first failed charge, on which it is retried
/// (`PORTAL_DUNNING_RETRY_DAYS`, default `1,3,5,7`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<u16>);

impl Default for RetrySchedule {
    fn default() -> Self {
        Self(vec![1, 3, 5, 7])
    }
}

impl RetrySchedule {
    /// `"1,3,5,7"`: at least one day, each later than the one before.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let days = text
            .split(',')
            .map(|d| d.trim().parse::<u16>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|_| format!("{text:?} is not a list of days such as 1,3,5,7"))?;
        let increasing = days.windows(2).all(|w| w[0] < w[1]);
        if days.is_empty() || days[0] == 0 || !increasing {
            return Err(format!(
                "{text:?}: retry days must start above 0 and increase, such as 1,3,5,7"
            ));
        }
        Ok(Self(days))
    }

    /// When retry number `retries_done + 1` is due, given when the charge
    /// before it failed; `None` once every retry was made. The gaps of the
    /// schedule are kept from the actual attempt, so a job that was down for
    /// days does not spend every retry in one run.
    pub fn next_retry(
        &self,
        retries_done: usize,
        last_failed_at: time::OffsetDateTime,
    ) -> Option<time::OffsetDateTime> {
        let day = *self.0.get(retries_done)?;
        let previous = retries_done.checked_sub(1).map_or(0, |i| self.0[i]);
        Some(last_failed_at + time::Duration::days(i64::from(day - previous)))
    }
}

/// What a plan change would do, shown before the customer confirms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanChangePreview {
    pub from: PlanSummary,
    pub to: PlanSummary,
    pub kind: PlanChangeKind,
    /// Charged now for the rest of the period (upgrades; zero otherwise), before tax.
    pub prorated: Money,
    /// `prorated` with tax: what the card is charged now.
    pub prorated_with_tax: Money,
    pub days_remaining: i64,
    /// "now" or the date the change takes effect.
    pub effective: String,
    /// Why the change is not possible; empty when it is.
    pub conflicts: Vec<String>,
    /// This period's API calls at their 7-day rate, priced on both plans.
    pub overage: OverageComparison,
}

/// A month of API calls at this period's 7-day rate, as overage on the
/// current plan and on the other one (`None`: a hard-limited plan, which
/// refuses calls over its limit instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverageComparison {
    pub projected_calls: i64,
    pub from: Option<Money>,
    pub to: Option<Money>,
}

impl PlanChangePreview {
    /// "At this period's pace (about 12,400 API calls), overage costs $3.00
    /// a month on Pro and nothing on Business." `None` when neither plan
    /// bills or refuses anything at that pace.
    pub fn overage_note(&self) -> Option<String> {
        let calls = self.overage.projected_calls;
        let side = |plan: &PlanSummary, charge: Option<Money>| match charge {
            Some(money) if money.minor > 0 => {
                Some(format!("{} a month on {}", money.display(), plan.name))
            }
            None if calls > plan.api_calls_limit => Some(format!(
                "{} refuses calls over its {} a month",
                plan.name,
                crate::group_thousands(u64::try_from(plan.api_calls_limit).unwrap_or(0))
            )),
            _ => None,
        };
        let from = side(&self.from, self.overage.from);
        let to = side(&self.to, self.overage.to);
        if from.is_none() && to.is_none() {
            return None;
        }
        let nothing = |plan: &PlanSummary| format!("nothing on {}", plan.name);
        Some(format!(
            "At this period's pace (about {} API calls), overage costs {} and {}.",
            crate::group_thousands(u64::try_from(calls).unwrap_or(0)),
            from.unwrap_or_else(|| nothing(&self.from)),
            to.unwrap_or_else(|| nothing(&self.to)),
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanChangeKind {
    Upgrade,
    Downgrade,
    /// Back to the current plan: drops a scheduled downgrade.
    KeepCurrent,
}

/// A validated billing details form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingDetailsUpdate(pub BillingDetails);

impl BillingDetailsUpdate {
    /// Trims every field, upper-cases the country, and checks lengths and
    /// formats. Errors are keyed by field name.
    pub fn parse(input: BillingDetails) -> Result<Self, crate::error::FieldErrors> {
        let mut errors = crate::error::FieldErrors::new();
        let mut field = |name: &str, value: &str, max: usize| -> String {
            let value = value.trim().to_owned();
            if value.chars().count() > max {
                errors.add(name, format!("Use at most {max} characters."));
            }
            if value.chars().any(char::is_control) {
                errors.add(name, "Remove the line breaks and control characters.");
            }
            value
        };
        let company_name = field("company_name", &input.company_name, 100);
        let address_line1 = field("address_line1", &input.address_line1, 100);
        let address_line2 = field("address_line2", &input.address_line2, 100);
        let city = field("city", &input.city, 60);
        let postal_code = field("postal_code", &input.postal_code, 20);
        let country = field("country", &input.country, 2).to_ascii_uppercase();
        let tax_id = field("tax_id", &input.tax_id, 30);
        let two_letters = country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase());
        if !country.is_empty() && !two_letters {
            errors.add("country", "Use the two-letter country code, e.g. US or DE.");
        }
        if !tax_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.' | '/'))
        {
            errors.add(
                "tax_id",
                "A tax ID has letters, digits, spaces, dashes, dots or slashes.",
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self(BillingDetails {
            company_name,
            address_line1,
            address_line2,
            city,
            postal_code,
            country,
            tax_id,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_trimmed_and_checked() {
        let parsed = BillingDetailsUpdate::parse(BillingDetails {
            company_name: " Acme ".into(),
            country: "de".into(),
            tax_id: "DE 123456789".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(parsed.0.company_name, "Acme");
        assert_eq!(parsed.0.country, "DE");

        let errors = BillingDetailsUpdate::parse(BillingDetails {
            country: "Germany".into(),
            tax_id: "<script>".into(),
            ..Default::default()
        })
        .unwrap_err();
        assert!(errors.get("country").is_some());
        assert!(errors.get("tax_id").is_some());
    }
}

#[cfg(test)]
mod invoice_filter_tests {
    use super::*;

    #[test]
    fn an_empty_form_filters_nothing_and_fields_are_normalised() {
        assert!(InvoiceFilter::parse("", "", "").unwrap().is_empty());
        let filter = InvoiceFilter::parse(" inv-2026 ", "overdue", "2026").unwrap();
        assert_eq!(filter.number.as_deref(), Some("INV-2026"));
        assert_eq!(filter.status, Some(InvoiceStatus::Overdue));
        assert_eq!(
            filter.query_pairs(),
            [
                ("number", "INV-2026".to_owned()),
                ("status", "overdue".to_owned()),
                ("year", "2026".to_owned())
            ]
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let errors = InvoiceFilter::parse("INV%'", "late", "26").unwrap_err();
        for field in ["number", "status", "year"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn credit_note_amounts_are_read_as_money_above_zero() {
        assert_eq!(parse_amount("12.50"), Some(1250));
        assert_eq!(parse_amount(" 1,234.5 "), Some(123_450));
        assert_eq!(parse_amount("7"), Some(700));
        for bad in ["", "0", "0.00", "-3", "1.234", "12.", ".5", "abc", "1e3"] {
            assert_eq!(parse_amount(bad), None, "{bad:?}");
        }
        let errors = CreditNoteDraft::parse("not-an-id", "0", "XYZ", "no").unwrap_err();
        for field in ["invoice_id", "amount", "currency", "reason"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn retries_keep_the_schedules_gaps_from_the_last_attempt() {
        use time::macros::datetime;
        let schedule = RetrySchedule::default();
        let failed = datetime!(2026-11-01 0:00 UTC);
        assert_eq!(
            schedule.next_retry(0, failed),
            Some(datetime!(2026-11-02 0:00 UTC))
        );
        // The second retry is two days after the first, even if the first ran late.
        let late = datetime!(2026-11-04 9:00 UTC);
        assert_eq!(
            schedule.next_retry(1, late),
            Some(datetime!(2026-11-06 9:00 UTC))
        );
        assert_eq!(schedule.next_retry(4, late), None);
    }

    #[test]
    fn a_schedule_must_start_above_zero_and_increase() {
        assert_eq!(
            RetrySchedule::parse(" 2, 4 "),
            Ok(RetrySchedule(vec![2, 4]))
        );
        for bad in ["", "0,1", "3,2", "1,1", "a", "1,,2"] {
            assert!(RetrySchedule::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
