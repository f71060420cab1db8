//! Coverage gates: a minimum percentage per category, from `--min-coverage
//! CATEGORY=PERCENT` and the `[coverage]` table of `resilint.toml`.
//!
//! A gate compares the percentage the report shows (rounded to one decimal), so a
//! gate never fails on a number that prints as equal to its minimum. A category
//! with no integration points has no percentage and never fails.

use std::collections::BTreeMap;

use crate::report::{Category, CoverageLine, Gate};

/// Parses one `--min-coverage` value: `timeout=80` (a trailing `%` is allowed).
pub fn parse_flag(value: &str) -> Result<(Category, f64), String> {
    let (name, percent) = value.split_once('=').ok_or_else(|| {
        format!("`{value}` is not CATEGORY=PERCENT: write e.g. `--min-coverage timeout=80`")
    })?;
    let category = Category::ALL
        .into_iter()
        .find(|c| c.name() == name.trim())
        .ok_or_else(|| format!("unknown category `{}`: use one of {}", name.trim(), names()))?;
    let text = percent.trim().trim_end_matches('%');
    let percent: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number: write a percentage from 0 to 100"))?;
    check_range(percent).map(|p| (category, p))
}

/// A percentage from 0 to 100, or a message saying so.
pub fn check_range(percent: f64) -> Result<f64, String> {
    if (0.0..=100.0).contains(&percent) {
        Ok(percent)
    } else {
        Err(format!(
            "{percent} is not a percentage: write a number from 0 to 100"
        ))
    }
}

fn names() -> String {
    Category::ALL
        .iter()
        .map(|c| format!("`{}`", c.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The thresholds in force: the config's, each overridden by a flag for the same category.
pub fn thresholds(
    config: &BTreeMap<Category, f64>,
    flags: &[(Category, f64)],
) -> BTreeMap<Category, f64> {
    let mut out = config.clone();
    out.extend(flags.iter().copied());
    out
}

/// Judges every threshold against the report's coverage, in category order.
pub fn evaluate(
    coverage: &BTreeMap<Category, CoverageLine>,
    thresholds: &BTreeMap<Category, f64>,
) -> Vec<Gate> {
    thresholds
        .iter()
        .map(|(&category, &minimum)| {
            let line = coverage
                .get(&category)
                .copied()
                .unwrap_or(CoverageLine::new(0, 0));
            Gate {
                category,
                minimum,
                covered: line.covered,
                total: line.total,
                percent: line.percent,
                passed: line.percent.is_none_or(|p| p >= minimum),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse_and_bad_ones_say_how_to_fix_them() {
        assert_eq!(parse_flag("timeout=80"), Ok((Category::Timeout, 80.0)));
        assert_eq!(
            parse_flag("circuit-breaker=50.5%"),
            Ok((Category::CircuitBreaker, 50.5))
        );
        assert!(parse_flag("timeout")
            .unwrap_err()
            .contains("CATEGORY=PERCENT"));
        assert!(parse_flag("timeouts=8")
            .unwrap_err()
            .contains("retry-backoff"));
        assert!(parse_flag("timeout=lots")
            .unwrap_err()
            .contains("not a number"));
        assert!(parse_flag("timeout=101").unwrap_err().contains("0 to 100"));
    }

    #[test]
    fn a_gate_fails_below_its_minimum_and_never_on_an_empty_category() {
        let coverage: BTreeMap<Category, CoverageLine> = [
            (Category::Timeout, CoverageLine::new(2, 3)),
            (Category::Idempotency, CoverageLine::new(0, 0)),
        ]
        .into();
        let thresholds: BTreeMap<Category, f64> = [
            (Category::Timeout, 66.7),
            (Category::Idempotency, 100.0),
            (Category::RetryBackoff, 90.0),
        ]
        .into();
        let gates = evaluate(&coverage, &thresholds);
        assert!(gates.iter().all(|g| g.passed), "{gates:?}");
        let strict = evaluate(&coverage, &[(Category::Timeout, 66.8)].into());
        assert!(!strict[0].passed);
    }
}
