//! Name comparisons the link step makes for every call it resolves, kept free of
//! allocation and of substring searchers (`str::rsplit_once("::")` builds one per call).

/// A name lowercased, without `_`: how [`super::Package::named_after`] compares a
/// value's name with a type's (`two_factor`, `TwoFactor`: `twofactor`).
pub(super) fn norm_name(s: &str) -> String {
    s.replace('_', "").to_ascii_lowercase()
}

/// Whether the last `::` segment of `path` is `name` (`Folder::save`, `save`): as
/// `path.rsplit_once("::").is_some_and(|(_, m)| m == name)`, asked of every typed call
/// and path of a body for each call the link step resolves.
pub(super) fn last_segment_is(path: &str, name: &str) -> bool {
    if name.bytes().any(|b| b == b':') {
        return path.rsplit_once("::").is_some_and(|(_, m)| m == name);
    }
    // `name` holds no `:`: the `::` just before it is the last one.
    path.strip_suffix(name).is_some_and(|q| q.ends_with("::"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_segment_is_as_rsplit_once() {
        let paths = [
            "Folder::save",
            "save",
            "a::b::save",
            "::save",
            "a:::save",
            "X::a:b",
            "a::",
            "",
        ];
        let names = ["save", "b", "", ":save", "a:b", "x"];
        for p in paths {
            for n in names {
                let want = p.rsplit_once("::").is_some_and(|(_, m)| m == n);
                assert_eq!(last_segment_is(p, n), want, "{p:?} {n:?}");
            }
        }
    }

    #[test]
    fn names_are_compared_without_case_and_underscores() {
        assert_eq!(norm_name("Two_Factor"), "twofactor");
    }
}
