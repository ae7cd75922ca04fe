//! The audit log's CSV export format.

/// The CSV export's columns ("description" last, so the columns that came
/// before it keep their places for scripts that read them).
pub const CSV_HEADER: &[&str] = &[
    "id",
    "created_at",
    "actor_email",
    "action",
    "target_type",
    "target_id",
    "ip",
    "user_agent",
    "before",
    "after",
    "description",
];

/// One CSV line (RFC 4180, CRLF-terminated). Cells starting with `=`, `+`,
/// `-`, `@`, tab or carriage return get a leading `'` so a spreadsheet shows
/// them as text instead of running them as a formula (CSV injection).
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&csv_cell(cell.as_ref()));
    }
    line.push_str("\r\n");
    line
}

fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_doubles_quotes() {
        assert_eq!(
            csv_line(&["a", "b,c", "say \"hi\"", "x\ny"]),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"x\ny\"\r\n"
        );
        assert_eq!(csv_line::<&str>(&[]), "\r\n");
    }

    #[test]
    fn csv_neutralises_formulas() {
        assert_eq!(csv_line(&["=1+1"]), "'=1+1\r\n");
        assert_eq!(
            csv_line(&["+cmd", "-2", "@SUM(A1)"]),
            "'+cmd,'-2,'@SUM(A1)\r\n"
        );
        assert_eq!(
            csv_line(&["=HYPERLINK(\"x\",\"y\")"]),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"\r\n"
        );
        assert_eq!(
            csv_line(&["a=b"]),
            "a=b\r\n",
            "only a leading sign is dangerous"
        );
    }
}
