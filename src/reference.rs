//! The README's reference tables, generated from their one source: the rule files
//! (the rules table), the doc comments on the rule-file structs, captured by
//! `build.rs` (check kinds and their fields), and the declared document shapes
//! ([`crate::schema`]). `tests/readme.rs` fails when the README differs; it says how
//! to regenerate.

use std::fmt::Write as _;

use crate::rules::Rule;
use crate::schema::{Field, SHAPES};

mod captured {
    include!(concat!(env!("OUT_DIR"), "/struct_docs.rs"));
}

/// The struct a check kind's fields are written in, when not the variant's own.
fn fields_struct(kind: &str, variant: &str) -> &'static str {
    match kind {
        "require" => "RawAssertion",
        "destination-policy" => "RawDestinationPolicy",
        _ => captured::STRUCT_DOCS
            .iter()
            .find(|(name, _)| *name == variant)
            .map_or("", |(name, _)| name),
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// A `| field | meaning |` table of a struct's fields, from their doc comments.
pub fn fields_table(struct_name: &str) -> String {
    let mut out = String::from("| field | meaning |\n|-------|---------|\n");
    let fields = captured::STRUCT_DOCS
        .iter()
        .find(|(name, _)| *name == struct_name)
        .map_or(&[][..], |(_, f)| f);
    for (field, doc, optional) in fields {
        let doc = doc
            .strip_prefix("Optional: ")
            .or_else(|| doc.strip_prefix("Optional (`name`): "))
            .map_or_else(|| doc.to_string(), str::to_string);
        let doc = if *optional {
            let mut chars = doc.chars();
            let first = chars.next().map(|c| c.to_lowercase().collect::<String>());
            format!("optional: {}{}", first.unwrap_or_default(), chars.as_str())
        } else {
            doc
        };
        let _ = writeln!(out, "| `{field}` | {} |", cell(&doc));
    }
    out
}

/// The check kinds and their one-line docs.
pub fn check_kinds_table() -> String {
    let mut out = String::from("| kind | what it checks |\n|------|----------------|\n");
    for (kind, _, doc) in captured::CHECK_KINDS {
        let _ = writeln!(out, "| `{kind}` | {} |", cell(doc));
    }
    out
}

/// The field table of one check kind (`require`: the fields of each assertion).
pub fn check_fields(kind: &str) -> Option<String> {
    let (_, variant, _) = captured::CHECK_KINDS.iter().find(|(k, _, _)| *k == kind)?;
    Some(fields_table(fields_struct(kind, variant)))
}

/// Every check kind, for the README's generated blocks.
pub fn check_kind_names() -> Vec<&'static str> {
    captured::CHECK_KINDS.iter().map(|(k, _, _)| *k).collect()
}

fn shape_rows(fields: &[Field], prefix: &str, out: &mut String) {
    for f in fields {
        let path = format!("{prefix}{}", f.key);
        let _ = writeln!(out, "| `{path}` | {} | {} |", f.ty.describe(), cell(f.doc));
        if let Some((inner, infix)) = f.ty.children() {
            shape_rows(inner, &format!("{path}{infix}"), out);
        }
    }
}

/// One table per declared document shape.
pub fn shapes() -> String {
    let mut out = String::new();
    for shape in SHAPES {
        let _ = writeln!(
            out,
            "`platform = \"{}\"`: {}.\n\n| key | type | meaning |\n|-----|------|---------|",
            shape.platform.name(),
            shape.doc
        );
        shape_rows(shape.fields, "", &mut out);
    }
    out
}

/// The group of a rule id: the part before `/` (`istio`, `kong`, a user's `acme`).
pub fn group_of(id: &str) -> &str {
    id.split_once('/').map_or(id, |(g, _)| g)
}

/// Rules grouped by their id's group, in id order: (group, the platforms its rules
/// select, comma-separated, the rules). What `resilint rules` prints a heading for.
pub fn rule_groups(rules: &[Rule]) -> Vec<(&str, String, Vec<&Rule>)> {
    let mut groups: Vec<(&str, String, Vec<&Rule>)> = Vec::new();
    for r in rules {
        let group = group_of(&r.id);
        match groups.iter_mut().find(|(g, _, _)| *g == group) {
            Some((_, _, members)) => members.push(r),
            None => groups.push((group, String::new(), vec![r])),
        }
    }
    for (_, platforms, members) in &mut groups {
        let mut names: Vec<String> = members
            .iter()
            .map(|r| crate::engine::rule_info(r).platform)
            .collect();
        names.sort();
        names.dedup();
        *platforms = names.join(", ");
    }
    groups
}

/// The rules table (`resilint rules --format markdown`): one table per group, under
/// the group's name and platforms.
pub fn rules_table(rules: &[Rule]) -> String {
    let mut out = String::new();
    for (group, platforms, members) in rule_groups(rules) {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "**{group}** ({platforms})\n");
        out.push_str(
            "| id | category | severity | summary |\n|----|----------|----------|---------|\n",
        );
        for r in members {
            let _ = writeln!(
                out,
                "| `{}` | {} | {}{} | {} |",
                r.id,
                r.category.name(),
                r.spec.severity.name(),
                if r.opt_in { " (opt-in)" } else { "" },
                cell(r.spec.summary.trim())
            );
        }
    }
    out
}

/// Every generated block of the README, by marker name (`<!-- generated:NAME -->`).
pub fn blocks(builtin: &[Rule]) -> Vec<(String, String)> {
    let mut blocks = vec![
        ("rules".to_string(), rules_table(builtin)),
        ("check-kinds".to_string(), check_kinds_table()),
        ("shapes".to_string(), shapes()),
    ];
    for kind in check_kind_names() {
        if let Some(table) = check_fields(kind) {
            blocks.push((format!("check:{kind}"), table));
        }
    }
    blocks
}

/// `text` with every generated block replaced by its current content; the names of
/// blocks the text lacks.
pub fn regenerate(text: &str, blocks: &[(String, String)]) -> (String, Vec<String>) {
    let mut out = text.to_string();
    let mut missing = Vec::new();
    for (name, content) in blocks {
        let open = format!("<!-- generated:{name} -->\n");
        let close = format!("<!-- /generated:{name} -->");
        let Some(start) = out.find(&open).map(|s| s + open.len()) else {
            missing.push(name.clone());
            continue;
        };
        let Some(end) = out[start..].find(&close).map(|e| start + e) else {
            missing.push(name.clone());
            continue;
        };
        out.replace_range(start..end, content);
    }
    (out, missing)
}
