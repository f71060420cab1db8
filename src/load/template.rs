//! A light lexical pass over YAML text, before the parser: where template markup
//! sits in a structural position, and which tabs separate a key from its value.
//!
//! Helm / Go template markup is not YAML even when it parses as YAML
//! (`{{ .Values.x }}` loads as a nested flow mapping, `host: a.{{.Ns}}.svc` as a
//! host that exists nowhere), so a file with `{{` in its YAML structure or in a
//! plain scalar is a template. The same two characters inside a comment, a quoted
//! scalar or a block scalar are text (a PrometheusRule's
//! `summary: "{{ $labels.instance }} is down"`), and the file is YAML.
//!
//! The pass also finds `key:<TAB>value`: YAML 1.2 allows a tab as separation after
//! the `:` indicator, saphyr does not, so the loader hands the parser a copy with
//! those tabs turned into spaces (same length, so every position holds).

/// What the pass found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Byte offset of the first `{{` outside comments, quoted and block scalars.
    pub template: Option<usize>,
    /// Byte offsets of tabs that directly follow a mapping `:` indicator outside
    /// quoted and block scalars and comments.
    pub separator_tabs: Vec<usize>,
}

/// Lexer state carried from one line to the next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Carry {
    Plain,
    /// Inside a quoted scalar opened by this byte.
    Quote(u8),
    /// Inside a block scalar whose introducing line has this indentation.
    Block(usize),
}

/// Line (1-based, `\n` breaks) of the first `{{` that makes the file a template.
pub fn first_template_line(text: &str) -> Option<usize> {
    let offset = scan(text).template?;
    Some(
        text.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1,
    )
}

/// Runs the pass over `text` (linear, no backtracking).
pub fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    // Markup is found only at a `{{` and a separator tab only after a `:`: a text
    // holding neither pair has nothing to find, and most do not (JSON data files,
    // locales and maps of tens of MB are loaded as configuration and cost the line
    // walk below 30-odd instructions a byte).
    let find = |pair: &[u8]| memchr::memmem::find(bytes, pair).is_some();
    if !find(b"{{") && !find(b":\t") {
        return Scan::default();
    }
    walk_lines(bytes)
}

/// The line walk of [`scan`], line by line until markup is found.
fn walk_lines(bytes: &[u8]) -> Scan {
    let mut out = Scan::default();
    let mut carry = Carry::Plain;
    let mut flow = 0usize;
    let mut start = 0;
    while start < bytes.len() {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(bytes.len(), |i| start + i);
        carry = scan_line(bytes, start, end, carry, &mut flow, &mut out);
        if out.template.is_some() {
            return out;
        }
        start = end + 1;
    }
    out
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Scans one line `bytes[start..end]`, returning the state for the next line.
fn scan_line(
    bytes: &[u8],
    start: usize,
    end: usize,
    carry: Carry,
    flow: &mut usize,
    out: &mut Scan,
) -> Carry {
    let indent = bytes[start..end].iter().take_while(|&&b| b == b' ').count();
    let mut i = start;
    let mut quote = None;
    match carry {
        Carry::Block(parent) => {
            let blank = bytes[start..end].iter().all(|&b| is_space(b));
            if blank || indent > parent {
                return carry;
            }
        }
        Carry::Quote(q) => quote = Some(q),
        Carry::Plain => {}
    }
    // Whether the next non-blank byte starts a token (a value, key or indicator).
    let mut at_token = quote.is_none();
    while i < end {
        let b = bytes[i];
        if let Some(q) = quote {
            if q == b'"' && b == b'\\' {
                i += 2;
                continue;
            }
            if b == q {
                if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                quote = None;
            }
            i += 1;
            continue;
        }
        let prev_blank = i == start || is_space(bytes[i - 1]);
        if is_space(b) {
            i += 1;
            continue;
        }
        if b == b'#' && prev_blank {
            break;
        }
        let next = bytes.get(i + 1).copied().filter(|_| i + 1 < end);
        let next_blank = next.is_none_or(is_space);
        if at_token {
            match b {
                b'"' | b'\'' => {
                    quote = Some(b);
                    at_token = false;
                }
                b'{' if next == Some(b'{') => {
                    out.template = Some(i);
                    return carry;
                }
                b'{' | b'[' => *flow += 1,
                b'|' | b'>' if block_header(&bytes[i + 1..end]) => return Carry::Block(indent),
                b'-' | b'?' | b':' if next_blank => {}
                b'&' | b'!' => {
                    // An anchor or tag: the token proper follows it.
                    while i < end && !is_space(bytes[i]) {
                        i += 1;
                    }
                    continue;
                }
                _ => at_token = false,
            }
            i += 1;
            continue;
        }
        if b == b'{' && next == Some(b'{') && bytes[i - 1] != b'$' {
            out.template = Some(i);
            return carry;
        }
        match b {
            b':' if next_blank || (*flow > 0 && matches!(next, Some(b',' | b']' | b'}'))) => {
                if next == Some(b'\t') {
                    out.separator_tabs.push(i + 1);
                }
                at_token = true;
            }
            b',' if *flow > 0 => at_token = true,
            b']' | b'}' if *flow > 0 => *flow -= 1,
            _ => {}
        }
        i += 1;
    }
    match quote {
        Some(q) => Carry::Quote(q),
        None => Carry::Plain,
    }
}

/// Whether the rest of a line after `|` or `>` is a block scalar header: indentation
/// and chomping indicators, then nothing but blanks or a comment.
fn block_header(rest: &[u8]) -> bool {
    let body = rest
        .iter()
        .take_while(|&&b| b == b'-' || b == b'+' || b.is_ascii_digit())
        .count();
    let tail = &rest[body..];
    let content = tail.iter().position(|&b| !is_space(b));
    match content {
        None => true,
        Some(p) => tail[p] == b'#' && p > 0,
    }
}

#[cfg(test)]
mod tests {
    use super::{first_template_line, scan, walk_lines};

    #[test]
    fn texts_without_the_pairs_need_no_walk() {
        // Every string of up to 6 bytes over the bytes the walk tells apart.
        let alphabet = [b'{', b':', b'\t', b'#', b'"', b'\n', b'|', b'x', b' '];
        for t in crate::load::every_text(&alphabet, 6) {
            assert_eq!(scan(&t), walk_lines(t.as_bytes()), "{t:?}");
        }
    }

    #[test]
    fn helm_markup_is_a_template() {
        assert_eq!(first_template_line("a: 1\nb: {{ .Values.x }}\n"), Some(2));
        assert_eq!(first_template_line("{{- if .Values.on }}\n"), Some(1));
        assert_eq!(
            first_template_line("a:\n  {{- toYaml .x | nindent 2 }}\n"),
            Some(2)
        );
        assert_eq!(first_template_line("- {{ .x }}\n"), Some(1));
        assert_eq!(first_template_line("a: &x {{ .y }}\n"), Some(1));
    }

    #[test]
    fn deck_env_substitution_is_not() {
        assert_eq!(
            first_template_line("read_timeout: ${{ env \"DECK_T\" }}\n"),
            None
        );
    }

    #[test]
    fn braces_in_comments_quotes_block_scalars_and_plain_text_are_not() {
        let text = "\
# {{ not here }}
a: \"{{ $labels.instance }} is down\" # {{ nor here }}
b: '{{ x }}'
d: |
  {{ block }}
  more {{ text }}
e: \"multi
  {{ line }}\"
f: [\"{{ x }}\", '{{ y }}']
";
        assert_eq!(scan(text).template, None);
        let after = format!("{text}g: {{{{ .Values.x }}}}\n");
        assert_eq!(first_template_line(&after), Some(10));
        assert_eq!(first_template_line("a: 1\nhost: a.{{.Ns}}.svc\n"), Some(2));
        assert_eq!(first_template_line("a: x ${{ env \"A\" }}\n"), None);
    }

    #[test]
    fn tabs_after_a_key_are_found_outside_quotes() {
        let text = "a:\tb\n\"q:\tq\": x\nc: \"d:\te\"\n# e:\tf\n";
        assert_eq!(scan(text).separator_tabs, vec![2]);
    }

    #[test]
    fn a_lone_cr_ends_a_line() {
        assert_eq!(scan("a: 1\r{{ .x }}\r").template, Some(5));
    }
}
