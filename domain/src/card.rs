//! Payment card input: the number (Luhn-checked), the expiry and the CVC.
//! Runs in the browser for instant feedback and on the server before anything
//! reaches the payment provider. None of these types is `Serialize`, and their
//! `Debug` shows only the last four digits, so a card cannot end up in a log
//! or a database by accident.

use crate::FieldErrors;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically valid card number: 12–19 digits passing the Luhn check.
/// Spaces and dashes typed between groups are accepted and dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct CardNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardNumberError {
    #[error("Enter the card number.")]
    Missing,
    #[error("A card number has only digits.")]
    NotDigits,
    #[error("A card number has 12 to 19 digits.")]
    Length,
    #[error("This card number is not valid. Check it for typos.")]
    Checksum,
}

impl CardNumber {
    pub fn parse(input: &str) -> Result<Self, CardNumberError> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.is_empty() {
            return Err(CardNumberError::Missing);
        }
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(CardNumberError::NotDigits);
        }
        if !(12..=19).contains(&digits.len()) {
            return Err(CardNumberError::Length);
        }
        if !luhn_valid(&digits) {
            return Err(CardNumberError::Checksum);
        }
        Ok(Self(digits))
    }

    /// The full number, for the payment provider only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The card network, from the number's leading digits.
    pub fn brand(&self) -> CardBrand {
        let prefix2: u32 = self.0[..2].parse().unwrap_or(0);
        let prefix4: u32 = self.0[..4].parse().unwrap_or(0);
        match self.0.as_bytes()[0] {
            b'4' => CardBrand::Visa,
            b'3' if prefix2 == 34 || prefix2 == 37 => CardBrand::Amex,
            b'5' if (51..=55).contains(&prefix2) => CardBrand::Mastercard,
            b'2' if (2221..=2720).contains(&prefix4) => CardBrand::Mastercard,
            _ => CardBrand::Other,
        }
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber(…{})", self.last4())
    }
}

/// The Luhn (mod 10) checksum every card number carries.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c.wrapping_sub(b'0'));
        if d > 9 {
            return false;
        }
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Other,
}

impl CardBrand {
    pub fn label(self) -> &'static str {
        match self {
            CardBrand::Visa => "Visa",
            CardBrand::Mastercard => "Mastercard",
            CardBrand::Amex => "American Express",
            CardBrand::Other => "Card",
        }
    }
}

/// A card's expiry month, valid until the end of that month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardExpiry {
    pub month: u8,
    pub year: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardExpiryError {
    #[error("Enter the month as 1 to 12.")]
    Month,
    #[error("Enter the year as four digits, e.g. 2030.")]
    Year,
    #[error("This card has expired.")]
    Expired,
}

impl CardExpiry {
    /// `month` "1"–"12", `year` "2030" (or "30"), not before `today`'s month.
    pub fn parse(month: &str, year: &str, today: (u16, u8)) -> Result<Self, CardExpiryError> {
        let month: u8 = month
            .trim()
            .parse()
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or(CardExpiryError::Month)?;
        let year: u16 = match year.trim().parse::<u16>() {
            Ok(y) if y < 100 => 2000 + y,
            Ok(y) if (2000..=2100).contains(&y) => y,
            _ => return Err(CardExpiryError::Year),
        };
        if (year, month) < today {
            return Err(CardExpiryError::Expired);
        }
        if year > today.0 + 20 {
            return Err(CardExpiryError::Year);
        }
        Ok(Self { month, year })
    }
}

/// The three or four digits on the card. Sent to the provider, never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct CardCvc(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter the 3 or 4 digits on the back of the card.")]
pub struct CardCvcError;

impl CardCvc {
    pub fn parse(input: &str) -> Result<Self, CardCvcError> {
        let input = input.trim();
        if (3..=4).contains(&input.len()) && input.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(input.to_owned()))
        } else {
            Err(CardCvcError)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CardCvc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardCvc(***)")
    }
}

/// The card form's four fields as typed, on their way from the browser to
/// the processor's tokenizer (JSON, or a form post without JavaScript).
#[derive(Default, Clone, Serialize, Deserialize)]
pub struct CardFields {
    pub card_number: String,
    pub exp_month: String,
    pub exp_year: String,
    pub cvc: String,
}

impl fmt::Debug for CardFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardFields(…)")
    }
}

/// A card as typed, checked field by field: what the card form sends to the
/// payment processor's tokenizer (never to the portal's own server functions).
#[derive(Debug)]
pub struct CardEntry {
    pub number: CardNumber,
    pub expiry: CardExpiry,
    pub cvc: CardCvc,
}

impl CardEntry {
    /// Every field's error at once, under the form's field names
    /// (`card_number`, `exp_month`, `cvc`; the year's errors go on the month,
    /// whose message sits under both).
    pub fn parse(
        number: &str,
        exp_month: &str,
        exp_year: &str,
        cvc: &str,
        today: (u16, u8),
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let number = errors.check("card_number", CardNumber::parse(number));
        let expiry = errors.check("exp_month", CardExpiry::parse(exp_month, exp_year, today));
        let cvc = errors.check("cvc", CardCvc::parse(cvc));
        match (number, expiry, cvc) {
            (Some(number), Some(expiry), Some(cvc)) => Ok(Self {
                number,
                expiry,
                cvc,
            }),
            _ => Err(errors),
        }
    }
}

/// The processor's single-use stand-in for a card the browser tokenized
/// (`tok_…`). This, never the number, is what the portal's server receives.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardToken(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter the card again: this card entry is not valid.")]
pub struct CardTokenError;

impl CardToken {
    pub fn parse(input: &str) -> Result<Self, CardTokenError> {
        let rest = input.strip_prefix("tok_").ok_or(CardTokenError)?;
        let well_formed = (16..=100).contains(&rest.len())
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if well_formed {
            Ok(Self(input.to_owned()))
        } else {
            Err(CardTokenError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CardToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A live token attaches a card until used; keep it out of logs too.
        f.write_str("CardToken(tok_…)")
    }
}

/// What the tokenizer answers for a card it accepted: the token and what
/// may be shown of the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenizedCard {
    pub token: CardToken,
    pub brand: String,
    pub last4: String,
    pub exp_month: u8,
    pub exp_year: u16,
}

impl TokenizedCard {
    /// "Visa ending in 4242, expires 12/2030".
    pub fn label(&self) -> String {
        format!(
            "{} ending in {}, expires {:02}/{}",
            self.brand, self.last4, self.exp_month, self.exp_year
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards_pass_luhn_and_typos_do_not() {
        for n in [
            "4242424242424242",
            "4000000000000002",
            "4000000000000069",
            "5555555555554444",
        ] {
            assert!(CardNumber::parse(n).is_ok(), "{n}");
        }
        assert_eq!(
            CardNumber::parse("4242424242424241"),
            Err(CardNumberError::Checksum)
        );
        assert_eq!(
            CardNumber::parse("4242 4242 4242 4242").map(|c| c.last4().to_owned()),
            Ok("4242".into())
        );
        assert_eq!(CardNumber::parse("4242x"), Err(CardNumberError::NotDigits));
        assert_eq!(CardNumber::parse("4242"), Err(CardNumberError::Length));
        assert_eq!(CardNumber::parse("  "), Err(CardNumberError::Missing));
    }

    #[test]
    fn debug_never_prints_the_number() {
        let card = CardNumber::parse("4242424242424242").unwrap();
        let printed = format!("{card:?}");
        assert!(!printed.contains("424242424242"), "{printed}");
        assert!(printed.contains("4242"));
        assert_eq!(
            format!("{:?}", CardCvc::parse("123").unwrap()),
            "CardCvc(***)"
        );
    }

    #[test]
    fn brands_follow_the_leading_digits() {
        let brand = |n: &str| CardNumber::parse(n).unwrap().brand();
        assert_eq!(brand("4242424242424242"), CardBrand::Visa);
        assert_eq!(brand("5555555555554444"), CardBrand::Mastercard);
        assert_eq!(brand("378282246310005"), CardBrand::Amex);
    }

    #[test]
    fn an_entry_reports_every_bad_field_at_once() {
        let errors =
            CardEntry::parse("4242424242424241", "13", "2030", "1", (2026, 11)).unwrap_err();
        assert!(errors.get("card_number").is_some());
        assert!(errors.get("exp_month").is_some());
        assert!(errors.get("cvc").is_some());
        let entry = CardEntry::parse("4242 4242 4242 4242", "12", "2030", "123", (2026, 11));
        assert_eq!(
            entry.map(|e| e.number.last4().to_owned()),
            Ok("4242".into())
        );
    }

    #[test]
    fn tokens_have_one_shape_and_never_print() {
        let token = CardToken::parse("tok_sandbox_0123456789abcdef").unwrap();
        assert_eq!(format!("{token:?}"), "CardToken(tok_…)");
        for bad in [
            "",
            "tok_",
            "tok_short",
            "sk_0123456789abcdef01",
            "tok_0123456789abcdef-x",
        ] {
            assert_eq!(CardToken::parse(bad), Err(CardTokenError), "{bad}");
        }
    }

    #[test]
    fn expiry_is_valid_through_its_month() {
        let today = (2026, 11);
        assert!(CardExpiry::parse("11", "2026", today).is_ok());
        assert_eq!(
            CardExpiry::parse("10", "2026", today),
            Err(CardExpiryError::Expired)
        );
        assert_eq!(
            CardExpiry::parse("13", "2030", today),
            Err(CardExpiryError::Month)
        );
        assert_eq!(
            CardExpiry::parse("3", "30", today),
            Ok(CardExpiry {
                month: 3,
                year: 2030
            })
        );
        assert_eq!(
            CardExpiry::parse("3", "1999", today),
            Err(CardExpiryError::Year)
        );
    }
}
