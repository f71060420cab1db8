//! The README's reference tables are generated (`src/reference.rs`): the rules table
//! from the rule files, the check kinds and their fields from the doc comments of
//! the rule-file structs, the document shapes from `src/schema/`. This test fails
//! when a block between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`
//! differs from what they generate.
//!
//! To regenerate after changing a rule, a check kind's field docs or a shape:
//!
//! ```sh
//! RESILINT_BLESS=1 cargo test --test readme
//! ```

use std::path::Path;

#[test]
fn readme_reference_tables_match_their_sources() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(&path).expect("README.md");
    let rules = resilint::rules::builtin().expect("built-in rules load");
    let blocks = resilint::reference::blocks(&rules);
    assert!(
        blocks.len() >= 8,
        "too few generated blocks: {}",
        blocks.len()
    );
    let (expected, missing) = resilint::reference::regenerate(&text, &blocks);
    assert!(
        missing.is_empty(),
        "README.md lacks the generated blocks {missing:?}: add `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` lines where each belongs, then run `RESILINT_BLESS=1 cargo test --test readme`"
    );
    if expected == text {
        return;
    }
    if std::env::var_os("RESILINT_BLESS").is_some() {
        std::fs::write(&path, expected).expect("write README.md");
        return;
    }
    let first = expected
        .lines()
        .zip(text.lines())
        .position(|(a, b)| a != b)
        .map_or(0, |i| i + 1);
    panic!(
        "README.md's generated tables are out of date (first difference at line {first}).\nRegenerate them with one command:\n\n    RESILINT_BLESS=1 cargo test --test readme\n"
    );
}

#[test]
fn regenerating_replaces_only_the_marked_block() {
    let text = "a\n<!-- generated:x -->\nold\n<!-- /generated:x -->\nb\n";
    let blocks = [("x".to_string(), "new\n".to_string())];
    let (out, missing) = resilint::reference::regenerate(text, &blocks);
    assert_eq!(
        out,
        "a\n<!-- generated:x -->\nnew\n<!-- /generated:x -->\nb\n"
    );
    assert!(missing.is_empty());
    let (_, missing) = resilint::reference::regenerate("no markers", &blocks);
    assert_eq!(missing, ["x"]);
}
