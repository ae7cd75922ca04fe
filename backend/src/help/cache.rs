//! This instance's cache of help searches and suggestions. Customers ask the
//! same few questions ("download invoice", "reset password"), and a search
//! costs the database a ranking over every matching article plus snippets;
//! a cached answer costs a hash lookup. Bounded by size (`moka`, least
//! recently used out first) so unique searches cannot grow memory, and by
//! age: an article saved on this instance clears it at once, one saved on
//! another instance shows in searches here within `TTL`.

use domain::help::ArticleSummary;
use moka::sync::Cache;
use std::sync::Arc;
use std::time::Duration;

/// How long a cached answer is trusted without hearing of a change.
pub const TTL: Duration = Duration::from_secs(30);
/// Roughly the bytes the cached answers may take.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Search,
    Suggest,
}

#[derive(Clone)]
pub struct SearchCache {
    answers: Cache<(Kind, String), Arc<Vec<ArticleSummary>>>,
}

impl Default for SearchCache {
    fn default() -> Self {
        Self {
            answers: Cache::builder()
                .max_capacity(MAX_BYTES)
                .weigher(
                    |(_, query): &(Kind, String), answer: &Arc<Vec<ArticleSummary>>| {
                        let bytes =
                            query.len() + answer.iter().map(approximate_size).sum::<usize>();
                        u32::try_from(bytes).unwrap_or(u32::MAX)
                    },
                )
                .time_to_live(TTL)
                .build(),
        }
    }
}

fn approximate_size(article: &ArticleSummary) -> usize {
    64 + article.slug.len()
        + article.title.len()
        + article
            .snippet
            .iter()
            .map(|p| 32 + p.text.len())
            .sum::<usize>()
}

impl SearchCache {
    pub fn get(&self, kind: Kind, query: &str) -> Option<Arc<Vec<ArticleSummary>>> {
        self.answers.get(&(kind, normalize(query)))
    }

    pub fn put(&self, kind: Kind, query: &str, answer: Arc<Vec<ArticleSummary>>) {
        self.answers.insert((kind, normalize(query)), answer);
    }

    /// After an article changed: every cached answer may be wrong.
    pub fn clear(&self) {
        self.answers.invalidate_all();
    }
}

/// Searches that differ only in case or spacing have the same answer.
fn normalize(query: &str) -> String {
    query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::help::HelpCategory;

    fn answer(slug: &str) -> Arc<Vec<ArticleSummary>> {
        Arc::new(vec![ArticleSummary {
            slug: slug.into(),
            title: "T".into(),
            category: HelpCategory::Billing,
            snippet: Vec::new(),
        }])
    }

    #[test]
    fn answers_are_shared_by_searches_differing_in_case_and_spacing_only() {
        let cache = SearchCache::default();
        cache.put(Kind::Search, "Download  Invoice", answer("a"));
        assert_eq!(
            cache.get(Kind::Search, " download invoice ").unwrap()[0].slug,
            "a"
        );
        assert!(
            cache.get(Kind::Suggest, "download invoice").is_none(),
            "kinds are apart"
        );
        cache.clear();
        assert!(cache.get(Kind::Search, "download invoice").is_none());
    }
}
