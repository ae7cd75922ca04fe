//! The payment provider interface, and the sandbox that implements it.
//!
//! A card processor has two halves, and the portal's server sees only the
//! second:
//!
//! 1. **In the browser**, the processor's script turns what the customer typed
//!    into a single-use token (`app::billing::card_entry::CardTokenizer`).
//!    The number and CVC go from the browser to the processor, never to a
//!    portal server function.
//! 2. **On the server**, `PaymentProvider` exchanges that token for a card the
//!    processor keeps (`attach_card`) and charges it with an idempotency key
//!    (`charge`). The portal stores only what `AttachedCard` carries: the
//!    processor's reference, brand, last four digits and expiry.
//!
//! The README's "Plugging in a card processor" says what a real one changes.

use crate::ctx::Ctx;
use domain::card::{CardEntry, CardToken, TokenizedCard};
use domain::Money;
use fred::interfaces::KeysInterface;
use fred::types::Expiration;
use serde::{Deserialize, Serialize};
use std::future::Future;

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
    #[error("This card entry has expired or was already used. Enter the card again.")]
    UnknownToken,
    #[error("The payment service is unavailable. Nothing was charged; please try again.")]
    Unavailable,
}

pub trait PaymentProvider: Send + Sync {
    /// Stored beside each card ("sandbox", "stripe" …).
    fn name(&self) -> &'static str;

    /// Exchanges the browser's single-use token for a card kept by the
    /// processor. Declines and expired cards fail here.
    fn attach_card(
        &self,
        ctx: &Ctx,
        token: &CardToken,
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

/// How long a token waits to be attached, as at real processors: minutes.
pub const SANDBOX_TOKEN_TTL_SECONDS: i64 = 600;

/// What the sandbox processor keeps of a tokenized card until it is
/// attached: never the number or the CVC, only what decides its behaviour.
#[derive(Serialize, Deserialize)]
struct PendingCard {
    brand: String,
    last4: String,
    exp_month: u8,
    exp_year: u16,
    outcome: Outcome,
}

#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Outcome {
    Accepted,
    ChargesFail,
    Declined,
    Expired,
}

impl SandboxProvider {
    /// The processor's side of the browser's tokenizer (`POST
    /// /sandbox/v1/tokens`): keeps what it needs of the card for ten
    /// minutes, in Redis, under the SHA-256 of a new single-use token.
    pub async fn tokenize(
        &self,
        ctx: &Ctx,
        card: &CardEntry,
    ) -> Result<TokenizedCard, PaymentError> {
        let outcome = match card.number.expose() {
            SANDBOX_DECLINED => Outcome::Declined,
            SANDBOX_EXPIRED => Outcome::Expired,
            SANDBOX_CHARGE_FAILS => Outcome::ChargesFail,
            _ => Outcome::Accepted,
        };
        let pending = PendingCard {
            brand: card.number.brand().label().to_owned(),
            last4: card.number.last4().to_owned(),
            exp_month: card.expiry.month,
            exp_year: card.expiry.year,
            outcome,
        };
        let mut random = [0u8; 24];
        getrandom::fill(&mut random).map_err(|_| PaymentError::Unavailable)?;
        let token = CardToken::parse(&format!("tok_sandbox_{}", hex::encode(random)))
            .map_err(|_| PaymentError::Unavailable)?;
        let value = serde_json::to_string(&pending).map_err(|_| PaymentError::Unavailable)?;
        ctx.redis_call(ctx.redis.set::<(), _, _>(
            pending_key(ctx, &token),
            value,
            Some(Expiration::EX(SANDBOX_TOKEN_TTL_SECONDS)),
            None,
            false,
        ))
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "sandbox processor could not keep a card token");
            PaymentError::Unavailable
        })?;
        Ok(TokenizedCard {
            token,
            brand: pending.brand,
            last4: pending.last4,
            exp_month: pending.exp_month,
            exp_year: pending.exp_year,
        })
    }
}

fn pending_key(ctx: &Ctx, token: &CardToken) -> String {
    let digest = crate::tokens::hash_token(token.as_str());
    ctx.settings
        .redis_key("sandbox_card_token", &hex::encode(digest))
}

impl PaymentProvider for SandboxProvider {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn attach_card(
        &self,
        ctx: &Ctx,
        token: &CardToken,
    ) -> Result<AttachedCard, PaymentError> {
        // GETDEL: a token attaches once, even when two requests race with it.
        let stored: Option<String> = ctx
            .redis_call(ctx.redis.getdel(pending_key(ctx, token)))
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "sandbox processor could not read a card token");
                PaymentError::Unavailable
            })?;
        let pending: PendingCard = stored
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or(PaymentError::UnknownToken)?;
        let behaviour = match pending.outcome {
            Outcome::Declined => return Err(PaymentError::Declined),
            Outcome::Expired => return Err(PaymentError::ExpiredCard),
            Outcome::ChargesFail => "fail",
            Outcome::Accepted => "ok",
        };
        let mut reference = [0u8; 12];
        getrandom::fill(&mut reference).map_err(|_| PaymentError::Unavailable)?;
        Ok(AttachedCard {
            provider_ref: format!("sandbox_{behaviour}_{}", hex::encode(reference)),
            brand: pending.brand,
            last4: pending.last4,
            exp_month: pending.exp_month,
            exp_year: pending.exp_year,
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
