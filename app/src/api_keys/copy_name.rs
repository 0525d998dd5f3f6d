//! How a copy is named: `APIKEYtest` -> `APIKEYtest_1` -> `APIKEYtest_2`.
//!
//! The base of a name is the name without a trailing `_N` (N = one or more digits). A copy is
//! named `base_(largest N in use for that base + 1)`, so copying `APIKEYtest_1` while
//! `APIKEYtest_2` exists gives `APIKEYtest_3`.

/// Splits `name` into its base and copy number: `a_b_2` -> (`a_b`, Some(2)), `x_01` -> (`x`, Some(1)),
/// `plain` -> (`plain`, None). A number too large for u64 is not treated as a copy number.
pub fn split_copy_suffix(name: &str) -> (&str, Option<u64>) {
    if let Some((base, digits)) = name.rsplit_once('_')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = digits.parse::<u64>()
    {
        return (base, Some(n));
    }
    (name, None)
}

/// The base every copy of `name` shares.
pub fn copy_base(name: &str) -> &str {
    split_copy_suffix(name).0
}

/// The name for the next copy of `source`, given every name currently in use (or at least
/// every name that starts with the base followed by `_`).
pub fn next_copy_name<'a>(source: &str, names_in_use: impl IntoIterator<Item = &'a str>) -> String {
    let base = copy_base(source);
    let largest = names_in_use
        .into_iter()
        .filter_map(|name| match split_copy_suffix(name) {
            (b, Some(n)) if b == base => Some(n),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    format!("{base}_{}", largest.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_trailing_number_only() {
        assert_eq!(split_copy_suffix("APIKEYtest"), ("APIKEYtest", None));
        assert_eq!(split_copy_suffix("APIKEYtest_1"), ("APIKEYtest", Some(1)));
        assert_eq!(split_copy_suffix("a_b_2"), ("a_b", Some(2)));
        assert_eq!(split_copy_suffix("x_01"), ("x", Some(1)));
        assert_eq!(split_copy_suffix("x_"), ("x_", None));
        assert_eq!(split_copy_suffix("x_1a"), ("x_1a", None));
        assert_eq!(split_copy_suffix("_7"), ("", Some(7)));
        assert_eq!(split_copy_suffix("v_١"), ("v_١", None), "only ASCII digits count");
        assert_eq!(split_copy_suffix("big_99999999999999999999999"), ("big_99999999999999999999999", None));
    }

    #[test]
    fn copies_count_up_from_the_largest_number_in_use() {
        assert_eq!(next_copy_name("APIKEYtest", ["APIKEYtest"]), "APIKEYtest_1");
        assert_eq!(next_copy_name("APIKEYtest", ["APIKEYtest", "APIKEYtest_1"]), "APIKEYtest_2");
        assert_eq!(next_copy_name("APIKEYtest_1", ["APIKEYtest", "APIKEYtest_1", "APIKEYtest_2"]), "APIKEYtest_3");
    }

    #[test]
    fn other_bases_do_not_count() {
        let names = ["a_b_7", "a_9", "a_b", "a_bc_12"];
        assert_eq!(next_copy_name("a_b", names), "a_b_8");
        assert_eq!(next_copy_name("a", names), "a_10");
        assert_eq!(next_copy_name("a_bc", names), "a_bc_13");
    }

    #[test]
    fn leading_zeros_are_read_as_numbers() {
        assert_eq!(next_copy_name("x", ["x_01", "x_003"]), "x_4");
    }
}
