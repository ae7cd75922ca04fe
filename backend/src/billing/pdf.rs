//! Draws an invoice or a credit note as a one-page A4 PDF with pdf-writer. It uses two of the
//! 14 standard PDF fonts (Helvetica and Helvetica-Bold) in WinAnsi encoding, so
//! no font file is embedded and the document stays a few kilobytes.

use super::issued::{BillTo, IssuedSeller};
use domain::billing::InvoiceStatus;
use domain::Money;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// Everything printed on an invoice or a credit note: the parties as it was
/// issued with.
pub struct InvoiceDocument {
    /// "Invoice" or "Credit note".
    pub title: &'static str,
    pub number: String,
    /// Under the number ("Status: Paid"); a credit note has none.
    pub status: Option<String>,
    /// Label and value rows under the parties: dates, period, what it corrects.
    pub facts: Vec<(&'static str, String)>,
    /// The sentence under the totals.
    pub note: String,
    pub seller: IssuedSeller,
    pub bill_to: BillTo,
    pub lines: Vec<DocumentLine>,
    pub subtotal: Money,
    pub tax_rate_bp: i32,
    pub tax: Money,
    pub total: Money,
}

impl InvoiceDocument {
    /// An invoice's closing sentence for its payment status.
    pub fn payment_note(status: InvoiceStatus, due_on: &str) -> String {
        match status {
            InvoiceStatus::Paid => "Paid with the card on file. Thank you.".to_owned(),
            InvoiceStatus::Open => format!("Please pay by {due_on}."),
            InvoiceStatus::Overdue => format!("Payment was due on {due_on}. Please pay now."),
            InvoiceStatus::Void => "This invoice was voided and is not payable.".to_owned(),
        }
    }
}

pub struct DocumentLine {
    pub description: String,
    pub quantity: i64,
    pub unit_amount: Money,
    pub amount: Money,
}

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

pub fn render(doc: &InvoiceDocument) -> Vec<u8> {
    let catalog_id = Ref::new(1);
    let page_tree_id = Ref::new(2);
    let page_id = Ref::new(3);
    let regular_id = Ref::new(4);
    let bold_id = Ref::new(5);
    let content_id = Ref::new(6);
    let info_id = Ref::new(7);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(page_tree_id);
    pdf.pages(page_tree_id).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
    page.parent(page_tree_id);
    page.contents(content_id);
    let mut resources = page.resources();
    resources
        .fonts()
        .pair(REGULAR, regular_id)
        .pair(BOLD, bold_id);
    resources.finish();
    page.finish();
    pdf.type1_font(regular_id)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold_id)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info_id)
        .title(TextStr(&format!("{} {}", doc.title, doc.number)))
        .author(TextStr(&doc.seller.name))
        .creator(TextStr("Portal"));
    pdf.stream(content_id, &content(doc).finish());
    pdf.finish()
}

fn content(doc: &InvoiceDocument) -> Content {
    let mut c = Content::new();
    let right = PAGE_WIDTH - MARGIN;
    let mut y = PAGE_HEIGHT - MARGIN;

    text(&mut c, BOLD, 22.0, MARGIN, y - 10.0, doc.title);
    text_right(&mut c, BOLD, 12.0, right, y - 4.0, &doc.number);
    if let Some(status) = &doc.status {
        text_right(&mut c, REGULAR, 10.0, right, y - 20.0, status);
    }
    y -= 50.0;

    // Seller (left) and buyer (right).
    let seller = &doc.seller;
    let mut seller_lines = vec![seller.name.clone()];
    seller_lines.extend(seller.address.iter().cloned());
    seller_lines.push(format!("Tax ID: {}", seller.tax_id));
    seller_lines.push(seller.email.clone());
    let b = &doc.bill_to.details;
    let mut buyer = vec![if b.company_name.is_empty() {
        doc.bill_to.name.clone()
    } else {
        b.company_name.clone()
    }];
    buyer.extend(
        [
            b.address_line1.clone(),
            b.address_line2.clone(),
            [b.postal_code.as_str(), b.city.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
            b.country.clone(),
        ]
        .into_iter()
        .filter(|l| !l.is_empty()),
    );
    if !b.tax_id.is_empty() {
        buyer.push(format!("Tax ID: {}", b.tax_id));
    }
    if let Some(email) = &doc.bill_to.email {
        buyer.push(email.clone());
    }
    text(&mut c, BOLD, 9.0, MARGIN, y, "FROM");
    text(&mut c, BOLD, 9.0, 320.0, y, "BILL TO");
    y -= 14.0;
    let rows = seller_lines.len().max(buyer.len());
    for i in 0..rows {
        if let Some(line) = seller_lines.get(i) {
            text(&mut c, REGULAR, 10.0, MARGIN, y, line);
        }
        if let Some(line) = buyer.get(i) {
            text(&mut c, REGULAR, 10.0, 320.0, y, line);
        }
        y -= 13.0;
    }
    y -= 14.0;

    for (label, value) in &doc.facts {
        text(&mut c, BOLD, 10.0, MARGIN, y, label);
        text(&mut c, REGULAR, 10.0, MARGIN + 100.0, y, value);
        y -= 14.0;
    }
    y -= 16.0;

    // Lines table.
    let qty_x = 360.0;
    let unit_x = 450.0;
    c.set_fill_gray(0.93);
    c.rect(MARGIN, y - 5.0, right - MARGIN, 18.0);
    c.fill_nonzero();
    c.set_fill_gray(0.0);
    text(&mut c, BOLD, 10.0, MARGIN + 4.0, y, "Description");
    text_right(&mut c, BOLD, 10.0, qty_x, y, "Qty");
    text_right(&mut c, BOLD, 10.0, unit_x, y, "Unit price");
    text_right(&mut c, BOLD, 10.0, right - 4.0, y, "Amount");
    y -= 20.0;
    for line in &doc.lines {
        text(
            &mut c,
            REGULAR,
            10.0,
            MARGIN + 4.0,
            y,
            &truncate(&line.description, 52),
        );
        text_right(&mut c, REGULAR, 10.0, qty_x, y, &line.quantity.to_string());
        text_right(
            &mut c,
            REGULAR,
            10.0,
            unit_x,
            y,
            &line.unit_amount.display_ascii(),
        );
        text_right(
            &mut c,
            REGULAR,
            10.0,
            right - 4.0,
            y,
            &line.amount.display_ascii(),
        );
        y -= 16.0;
    }
    c.set_line_width(0.5);
    c.move_to(MARGIN, y + 6.0);
    c.line_to(right, y + 6.0);
    c.stroke();
    y -= 10.0;

    let rate = format!(
        "Tax ({}.{:02} %)",
        doc.tax_rate_bp / 100,
        doc.tax_rate_bp % 100
    );
    for (label, amount, font) in [
        ("Subtotal", doc.subtotal, REGULAR),
        (rate.as_str(), doc.tax, REGULAR),
        ("Total", doc.total, BOLD),
    ] {
        text_right(&mut c, font, 10.0, unit_x, y, label);
        text_right(&mut c, font, 10.0, right - 4.0, y, &amount.display_ascii());
        y -= 16.0;
    }

    y -= 24.0;
    text(&mut c, REGULAR, 10.0, MARGIN, y, &truncate(&doc.note, 95));
    text(
        &mut c,
        REGULAR,
        8.0,
        MARGIN,
        MARGIN,
        &format!("{} - {}", seller.name, seller.email),
    );
    c
}

fn text(c: &mut Content, font: Name, size: f32, x: f32, y: f32, s: &str) {
    let bytes = win_ansi(s);
    c.begin_text();
    c.set_font(font, size);
    c.next_line(x, y);
    c.show(Str(&bytes));
    c.end_text();
}

fn text_right(c: &mut Content, font: Name, size: f32, right: f32, y: f32, s: &str) {
    let width = text_width(s, font == BOLD) * size / 1000.0;
    text(c, font, size, right - width, y, s);
}

/// Latin-1 covers what invoices print (names, addresses, amounts); anything
/// else becomes "?" rather than garbage.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\u{2013}' | '\u{2014}' => 0x96,
            '\u{20ac}' => 0x80,
            c if (c as u32) < 0x80 || ((c as u32) >= 0xa0 && (c as u32) <= 0xff) => c as u8,
            _ => b'?',
        })
        .collect()
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}...")
    }
}

/// Helvetica's advance widths (per 1000 units of font size), good enough to
/// right-align digits and short labels.
fn text_width(s: &str, bold: bool) -> f32 {
    s.chars()
        .map(|c| match c {
            '0'..='9' | '$' => 556.0,
            '.' | ',' | ' ' => 278.0,
            '-' => 333.0,
            'A'..='Z' => {
                if bold {
                    722.0
                } else {
                    667.0
                }
            }
            'i' | 'l' | 'j' | 't' | 'f' | 'r' | '(' | ')' | '%' => {
                if bold {
                    333.0
                } else {
                    300.0
                }
            }
            'm' | 'w' => 833.0,
            _ => {
                if bold {
                    611.0
                } else {
                    556.0
                }
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Currency;

    #[test]
    fn renders_a_pdf_that_names_the_invoice() {
        let usd = |m| Money::new(m, Currency::Usd);
        let bytes = render(&InvoiceDocument {
            title: "Invoice",
            number: "INV-2026-000042".into(),
            status: Some("Status: Paid".into()),
            facts: vec![("Issued", "2026-11-01".into())],
            note: InvoiceDocument::payment_note(InvoiceStatus::Paid, "2026-11-15"),
            seller: IssuedSeller::current(),
            bill_to: BillTo {
                name: "Acme".into(),
                email: Some("ap@acme.test".into()),
                ..BillTo::default()
            },
            lines: vec![DocumentLine {
                description: "Pro plan".into(),
                quantity: 1,
                unit_amount: usd(4900),
                amount: usd(4900),
            }],
            subtotal: usd(4900),
            tax_rate_bp: 1000,
            tax: usd(490),
            total: usd(5390),
        });
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("(INV-2026-000042)"));
        assert!(text.contains("(53.90 USD)"));
    }
}
