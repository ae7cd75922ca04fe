//! The payment provider interface, and the sandbox that implements it.
//!
//! A real card processor plugs in here: implement `PaymentProvider` with its
//! API (tokenize the card in `attach_card`, create a payment in `charge` with
//! the idempotency key) and return it from `provider()`. Nothing else in the
//! portal knows which processor it talks to. The portal stores only what
//! `AttachedCard` carries: the processor's reference, brand, last four digits
//! and expiry.

use domain::card::{CardCvc, CardExpiry, CardNumber};
use domain::Money;
use std::future::Future;

/// A card as the customer typed it, on its way to the processor. Not `Debug`
/// beyond the last four digits, not `Serialize`, never stored.
#[derive(Debug)]
pub struct CardInput {
    pub number: CardNumber,
    pub expiry: CardExpiry,
    pub cvc: CardCvc,
}

/// What the processor returns for a card it accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedCard {
    pub provider_ref: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: u8,
    pub exp_year: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("Your card was declined. Use another card or contact your bank.")]
    Declined,
    #[error("Your card has expired. Use another card.")]
    ExpiredCard,
    #[error("The payment service is unavailable. Nothing was charged; please try again.")]
    Unavailable,
}

pub trait PaymentProvider: Send + Sync {
    /// Stored beside each card ("sandbox", "stripe" …).
    fn name(&self) -> &'static str;

    /// Verifies and tokenizes a card. Declines and expired cards fail here.
    fn attach_card(
        &self,
        card: &CardInput,
    ) -> impl Future<Output = Result<AttachedCard, PaymentError>> + Send;

    /// Charges an attached card. The same `idempotency_key` never charges twice.
    fn charge(
        &self,
        provider_ref: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> impl Future<Output = Result<String, PaymentError>> + Send;
}

/// The provider this deployment uses.
pub fn provider() -> SandboxProvider {
    SandboxProvider
}

/// Behaves like a processor's test mode, with its well-known test cards:
///
/// | number | result |
/// |---|---|
/// | 4242 4242 4242 4242 | accepted, charges succeed |
/// | 4000 0000 0000 0002 | declined |
/// | 4000 0000 0000 0069 | expired card |
/// | 4000 0000 0000 0341 | accepted, but every charge is declined |
///
/// Any other Luhn-valid number is accepted.
#[derive(Debug, Clone, Copy, Default)]
pub struct SandboxProvider;

pub const SANDBOX_DECLINED: &str = "4000000000000002";
pub const SANDBOX_EXPIRED: &str = "4000000000000069";
pub const SANDBOX_CHARGE_FAILS: &str = "4000000000000341";

impl PaymentProvider for SandboxProvider {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn attach_card(&self, card: &CardInput) -> Result<AttachedCard, PaymentError> {
        match card.number.expose() {
            SANDBOX_DECLINED => return Err(PaymentError::Declined),
            SANDBOX_EXPIRED => return Err(PaymentError::ExpiredCard),
            _ => {}
        }
        let mut token = [0u8; 12];
        getrandom::fill(&mut token).map_err(|_| PaymentError::Unavailable)?;
        let behaviour = if card.number.expose() == SANDBOX_CHARGE_FAILS {
            "fail"
        } else {
            "ok"
        };
        Ok(AttachedCard {
            provider_ref: format!("sandbox_{behaviour}_{}", hex::encode(token)),
            brand: card.number.brand().label().to_owned(),
            last4: card.number.last4().to_owned(),
            exp_month: card.expiry.month,
            exp_year: card.expiry.year,
        })
    }

    async fn charge(
        &self,
        provider_ref: &str,
        _amount: Money,
        idempotency_key: &str,
    ) -> Result<String, PaymentError> {
        if provider_ref.starts_with("sandbox_fail_") {
            return Err(PaymentError::Declined);
        }
        if !provider_ref.starts_with("sandbox_") {
            return Err(PaymentError::Unavailable);
        }
        Ok(format!("sandbox_charge_{idempotency_key}"))
    }
}
