//! Helpers for writing SQL safely, shared by every feature's `db.rs`.

/// `%term%` for ILIKE with the user's own `%`, `_` and `\` taken literally.
pub fn like_pattern(search: &str) -> Option<String> {
    let term = search.trim();
    if term.is_empty() {
        return None;
    }
    let escaped: String = term
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Some(format!("%{escaped}%"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_matches_literally_anywhere() {
        assert_eq!(like_pattern("  "), None);
        assert_eq!(like_pattern(" ada ").as_deref(), Some("%ada%"));
        assert_eq!(
            like_pattern("50%_a\\b").as_deref(),
            Some("%50\\%\\_a\\\\b%")
        );
    }
}
