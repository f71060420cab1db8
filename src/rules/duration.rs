//! Durations as the platforms write them: Go/protobuf style `1.5s`, `100ms`, `1m30s`.

/// Parses a duration into seconds. A bare number is taken in `bare_unit_seconds`.
pub fn parse_seconds(text: &str, bare_unit_seconds: f64) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(n) = text.parse::<f64>() {
        // `inf`, `NaN` and `1e400` parse as floats but are no duration.
        return Some(n * bare_unit_seconds).filter(|s| s.is_finite());
    }
    let mut total = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let number: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    Some(total).filter(|s| s.is_finite())
}

/// Formats seconds compactly for messages: `0.25s`, `6s`.
pub fn format_seconds(seconds: f64) -> String {
    let rounded = (seconds * 1000.0).round() / 1000.0;
    format!("{rounded}s")
}

#[cfg(test)]
mod tests {
    use super::parse_seconds;

    #[test]
    fn parses_go_style_durations() {
        assert_eq!(parse_seconds("1.5s", 1.0), Some(1.5));
        assert_eq!(parse_seconds("100ms", 1.0), Some(0.1));
        assert_eq!(parse_seconds("1m30s", 1.0), Some(90.0));
        assert_eq!(parse_seconds("0s", 1.0), Some(0.0));
        assert_eq!(parse_seconds("250", 0.001), Some(0.25));
        assert_eq!(parse_seconds("soon", 1.0), None);
        assert_eq!(parse_seconds("5x", 1.0), None);
    }
}
