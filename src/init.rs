//! `resilint init`: a commented `resilint.toml` for a repository, with the
//! platforms found in it and today's coverage as the starting gates, so the gate
//! passes today and can only be raised (a ratchet).

use std::collections::{BTreeMap, BTreeSet};

use crate::report::{Category, CoverageLine};

/// What the platforms found look like to a reader of the file.
fn describe(platform: &str) -> Option<&'static str> {
    Some(match platform {
        "kubernetes" => "Kubernetes objects (Istio VirtualService/DestinationRule, ...)",
        "kong" => "Kong declarative configuration",
        "envoy" => "Envoy configuration",
        "spring" => "Spring Boot configuration (Resilience4j, Spring Cloud Gateway)",
        "rust" => "Rust sources",
        _ => return None,
    })
}

/// The file's text. Deterministic: no date, categories and platforms in a fixed order.
pub fn config_text(
    platforms: &BTreeSet<&str>,
    coverage: &BTreeMap<Category, CoverageLine>,
    files_scanned: usize,
) -> String {
    let mut out = String::from(
        "# resilint configuration, written by `resilint init`.\n\
         # Reference: the README's `resilint.toml` section.\n#\n",
    );
    let found: Vec<&str> = platforms.iter().filter_map(|p| describe(p)).collect();
    if found.is_empty() {
        out.push_str(&format!(
            "# No supported configuration or source found in {files_scanned} files.\n"
        ));
    } else {
        out.push_str(&format!("# Found in {files_scanned} files:\n"));
        for f in found {
            out.push_str(&format!("#   - {f}\n"));
        }
    }
    out.push_str(
        "\n# Globs of the files to lint (empty: every supported file) and to skip,\n\
         # on top of .gitignore.\n\
         # include = [\"k8s/**\", \"services/**\"]\n\
         # exclude = [\"**/testdata/**\"]\n\
         \n# Directories of your own rules, relative to this file.\n\
         # rule-dirs = [\"resilint-rules\"]\n\
         \n# Per-rule level: \"off\", \"info\", \"warning\" or \"error\" (`resilint rules` lists the ids).\n\
         [rules]\n\
         # \"istio/route-without-timeout\" = \"error\"\n",
    );
    if platforms.contains("rust") {
        // The audit tier's Rust rules, so a reader finds them where levels are set.
        out.push_str(
            "# The Rust rules of the audit tier are off by default (too many findings on\n\
             # real services were not worth acting on: the README's \"Opt-in rules\"); a\n\
             # level turns one on, `--select all` every rule for one run.\n",
        );
        let rules = crate::rules::builtin().unwrap_or_default();
        for r in rules
            .iter()
            .filter(|r| r.opt_in && r.id.starts_with("rust/"))
        {
            out.push_str(&format!("# \"{}\" = \"{}\"\n", r.id, r.severity.name()));
        }
        out.push_str(
            "\n[rust]\n\
             # Lint tests/, benches/ and examples/ too.\n\
             # test-dirs = false\n",
        );
    }
    out.push_str(
        "\n# Coverage gates: the run fails when a category's coverage drops below its\n\
         # minimum. These are today's numbers, so the gate passes now: raise them as\n\
         # findings are fixed.\n\
         [coverage]\n",
    );
    for c in Category::ALL {
        let line = coverage.get(&c).copied().unwrap_or(CoverageLine::new(0, 0));
        match line.percent {
            Some(p) => out.push_str(&format!(
                "{} = {p:.1}    # {}/{} covered today\n",
                c.name(),
                line.covered,
                line.total
            )),
            None => out.push_str(&format!(
                "# {} = 80    # no integration points found today\n",
                c.name()
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_start_at_todays_coverage_and_empty_categories_stay_commented() {
        let platforms: BTreeSet<&str> = ["kubernetes", "other"].into();
        let coverage: BTreeMap<Category, CoverageLine> =
            [(Category::Timeout, CoverageLine::new(2, 3))].into();
        let text = config_text(&platforms, &coverage, 7);
        assert!(
            text.contains("timeout = 66.7    # 2/3 covered today\n"),
            "{text}"
        );
        assert!(
            text.contains("# retry-backoff = 80    # no integration points"),
            "{text}"
        );
        assert!(text.contains("Kubernetes objects"), "{text}");
        assert!(!text.contains("[rust]"), "{text}");
        let parsed: toml::Table = toml::from_str(&text).expect("valid TOML");
        assert_eq!(parsed["coverage"]["timeout"].as_float(), Some(66.7));
    }
}
