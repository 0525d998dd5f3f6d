//! Search by name or creator: a case-insensitive (Unicode) substring match.
//!
//! The database keeps each key's name and creator folded with [`fold`], so SQL can run the same
//! rule with a plain `LIKE` on both SQLite (whose `LOWER` knows only ASCII) and PostgreSQL.

/// The case folding both sides of a search go through.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// The search text as typed, reduced to what is matched: trimmed and folded; `None` = no search.
pub fn normalize_search(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    (!trimmed.is_empty()).then(|| fold(trimmed))
}

/// Whether a key with this name and creator matches the normalized search text.
pub fn matches_search(folded_search: &str, name: &str, created_by: &str) -> bool {
    matches_folded_search(folded_search, &fold(name), &fold(created_by))
}

/// [`matches_search`] for a name and creator folded already.
pub fn matches_folded_search(folded_search: &str, name_folded: &str, creator_folded: &str) -> bool {
    contains(name_folded, folded_search) || contains(creator_folded, folded_search)
}

/// Whether `needle` occurs in `haystack`, compared byte by byte (both are UTF-8, so a match
/// begins and ends on characters' boundaries). `str::contains` sets up a two-way searcher at
/// each call, which for a name of a few dozen bytes costs more than this scan: the browser's
/// copy matches every key at every keystroke (some 1.8 ms a keystroke at 10,000 keys went to
/// setting up and running those searchers, `bench/keystroke_profile.mjs`).
fn contains(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = needle.split_first() else { return true };
    let Some(last_start) = haystack.len().checked_sub(needle.len()) else { return false };
    haystack[..=last_start]
        .iter()
        .enumerate()
        .any(|(at, &byte)| byte == first && haystack[at + 1..at + needle.len()] == *rest)
}

/// `text` with `%`, `_` and `\` escaped so that a `LIKE ... ESCAPE '\'` pattern matches them
/// literally.
pub fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A `LIKE` pattern matching `folded_search` anywhere in a value, as a literal substring.
pub fn like_pattern(folded_search: &str) -> String {
    format!("%{}%", escape_like(folded_search))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_name_or_creator_ignoring_case() {
        let search = normalize_search("  SECURE ").unwrap();
        assert!(matches_search(&search, "Securemail", "nexus"));
        assert!(!matches_search(&search, "Designer 35-05", "nexus"));
        let by_creator = normalize_search("Admin.Team").unwrap();
        assert!(matches_search(&by_creator, "Default 35-05", "admin.team@example.com"));
    }

    #[test]
    fn folds_beyond_ascii() {
        let search = normalize_search("ÉTÉ").unwrap();
        assert!(matches_search(&search, "clé d'été", "x"));
        let greek = normalize_search("ΣΟΦΊΑ").unwrap();
        assert!(matches_search(&greek, "σοφία", "x"));
    }

    proptest::proptest! {
        #[test]
        fn the_scan_agrees_with_str_contains(haystack in "[a-cé_ ]{0,12}", needle in "[a-cé_]{0,3}") {
            proptest::prop_assert_eq!(contains(&haystack, &needle), haystack.contains(needle.as_str()));
        }
    }

    #[test]
    fn blank_search_is_no_search() {
        assert_eq!(normalize_search("   "), None);
    }

    #[test]
    fn like_wildcards_are_literal() {
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
        let underscore = normalize_search("_").unwrap();
        assert!(matches_search(&underscore, "a_b", "x"));
        assert!(!matches_search(&underscore, "ab", "x"));
    }
}
