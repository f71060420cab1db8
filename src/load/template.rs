//! Detects Helm / Go template markup, which is not YAML even when it parses as YAML
//! (`{{ .Values.x }}` loads as a nested flow mapping).

/// Line (1-based) of the first `{{` that is not decK's `${{ env "..." }}` substitution.
pub fn first_template_line(text: &str) -> Option<usize> {
    text.lines().enumerate().find_map(|(i, line)| {
        let mut rest = line;
        let mut offset = 0;
        while let Some(pos) = rest.find("{{") {
            let absolute = offset + pos;
            if !line[..absolute].ends_with('$') {
                return Some(i + 1);
            }
            offset = absolute + 2;
            rest = &line[offset..];
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::first_template_line;

    #[test]
    fn helm_markup_is_a_template() {
        assert_eq!(first_template_line("a: 1\nb: {{ .Values.x }}\n"), Some(2));
        assert_eq!(first_template_line("{{- if .Values.on }}\n"), Some(1));
    }

    #[test]
    fn deck_env_substitution_is_not() {
        assert_eq!(
            first_template_line("read_timeout: ${{ env \"DECK_T\" }}\n"),
            None
        );
        assert_eq!(
            first_template_line("a: ${{ env \"X\" }} {{ .y }}\n"),
            Some(1)
        );
    }
}
