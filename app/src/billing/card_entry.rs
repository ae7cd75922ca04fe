//! The browser half of the card processor: the card form sends the card to
//! the processor's tokenizer and only the single-use token it answers to the
//! portal (`billing/update_payment_method`). The portal's server functions
//! never receive a card number or CVC. The server half is
//! `backend::billing::provider::PaymentProvider`; the README's "Plugging in a
//! card processor" says how a real processor replaces both.

use domain::card::{CardFields, TokenizedCard};
use domain::AppError;
use std::future::Future;

/// Where the sandbox processor's tokenizer answers (same origin, see
/// server/src/http/sandbox.rs).
pub const SANDBOX_TOKENS_PATH: &str = "/sandbox/v1/tokens";

pub trait CardTokenizer {
    /// Where the card form posts when JavaScript is off. The processor
    /// answers it by redirecting back with `?__card_token=…&__card=…`, or
    /// with the error in `?__err` (see `url_error_for`).
    fn form_action(&self) -> &'static str;

    /// Sends the card to the processor; its answer is the token, or the
    /// error to show beside the fields.
    fn tokenize(&self, card: &CardFields) -> impl Future<Output = Result<TokenizedCard, AppError>>;
}

/// The processor this deployment's browser code talks to.
pub fn tokenizer() -> SandboxTokenizer {
    SandboxTokenizer
}

/// The sandbox processor's tokenizer: a JSON post to `SANDBOX_TOKENS_PATH`.
#[derive(Debug, Clone, Copy)]
pub struct SandboxTokenizer;

impl CardTokenizer for SandboxTokenizer {
    fn form_action(&self) -> &'static str {
        SANDBOX_TOKENS_PATH
    }

    async fn tokenize(&self, card: &CardFields) -> Result<TokenizedCard, AppError> {
        #[cfg(feature = "hydrate")]
        {
            let response = gloo_net::http::Request::post(SANDBOX_TOKENS_PATH)
                .json(card)
                .map_err(|_| AppError::BadRequest)?
                .send()
                .await
                .map_err(|_| AppError::Network)?;
            if response.ok() {
                response.json().await.map_err(|_| AppError::internal())
            } else {
                Err(response.json().await.unwrap_or(AppError::internal()))
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            // The server renders the form; only the browser submits it.
            let _ = card;
            Err(AppError::Network)
        }
    }
}
