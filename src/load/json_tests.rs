//! The JSON fast path against saphyr: wherever it takes a text, the events and spans
//! and the whole parse (trees, duplicates, errors) must be the YAML path's.

use saphyr_parser::Parser;

use super::events;
use crate::load::offsets::{parse_text, Offsets};
use crate::load::{jsonc, yaml};

/// saphyr's events of `text` as the YAML path sees them (spans through [`Offsets`],
/// stream and document events left out), or `None` when it reports an error.
fn saphyr(text: &str) -> Option<Vec<String>> {
    let (parsed, skip, prefix) = parse_text(text);
    let offsets = Offsets::new(&parsed, skip, prefix, text.is_ascii());
    let mut out = Vec::new();
    for event in Parser::new_from_str(&parsed) {
        let (event, span) = event.ok()?;
        use saphyr_parser::Event::*;
        if !matches!(
            event,
            StreamStart | StreamEnd | DocumentStart(_) | DocumentEnd
        ) {
            out.push(format!("{event:?} {:?}", offsets.span(&span)));
        }
    }
    Some(out)
}

/// The fast path's events of `text`, or `None` where it leaves the text to YAML.
fn fast(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    events(text, &mut |event, span| {
        out.push(format!("{event:?} {span:?}"));
        true
    })?;
    Some(out)
}

/// Checks one text (and its comments blanked, as a `.jsonc` file is loaded); whether
/// the fast path took it.
fn check(text: &str) -> bool {
    if let Some(blanked) = jsonc::strip_comments(text) {
        check(&blanked);
    }
    let Some(events) = fast(text) else {
        return false;
    };
    // `load_plain_json` skips the comment blanking of what this path takes.
    assert_eq!(jsonc::strip_comments(text), None, "{text:?}");
    assert_eq!(Some(&events), saphyr(text).as_ref(), "{text:?}");
    let (quick, slow) = (yaml::parse(text), yaml::parse_yaml(text));
    assert_eq!(format!("{quick:?}"), format!("{slow:?}"), "{text:?}");
    assert!(slow.errors.is_empty() && slow.docs.len() == 1, "{text:?}");
    true
}

#[test]
fn json_documents_get_saphyrs_events_and_trees() {
    let long_key = format!("{{\"{}\": 1}}", "k".repeat(1100));
    let texts = [
        "{}",
        "[]",
        "[[]]",
        "[{}]",
        "  \n\r\n\t{\"a\": 1}\n\n",
        "{\"a\": [1, \"é\"], \"b\": {\"c\": 2}, \"\": {}, \"d\": []}",
        "{\"a\" : 1 , \"b\"\t:\t[ 1 ,2 ] }",
        "{\r\n  \"a\": 1,\r\n  \"b\": [\r\n    true\r\n  ]\r\n}\r\n",
        "{\n\t\"a\":\t[\n\t\t1\n\t],\n\"b\": 2\n}",
        "{\"a\": \"# not a comment\", \"b\": \"x: y\", \"c\": \"- z\", \"d\": \"&a *b !t\"}",
        "{\"key \\\"in\\\" a: string\": \"x\", \"k2\": \"}]\"}",
        "{\"a\": \"b\", \"a\": \"c\", \"b\": 1, \"a\": 2}",
        "[\"\\b\\f\\n\\r\\t\\\"\\\\\\/\", \"\\u00e9\\u0041\\u00E9\\u0000\\u001f\\u007F\"]",
        "[\"\\ud83d\\ude00\"]",
        "[\"\\uD800\"]",
        "[\"\\x41\", \"\\0\", \"\\e\", \"\\N\", \"\\_\"]",
        "[\"\u{FEFF}\"]",
        "[\u{FEFF}1]",
        "[\"a\u{85}b\", \"c\u{2028}d\", \"e\u{2029}f\", \"g\u{7f}\", \"\u{80}\u{fffe}\"]",
        "[\"a\tb\"]",
        "{\"a\": \"x:\ty\"}",
        "{\"a\":\t1, \"b\":\t\"c\"}",
        "[1e400, -0, 0.5, 1E+2, -1.5e-3, 0, 10, -10e0]",
        "[01]",
        "[1.]",
        "[.5]",
        "[+1]",
        "[-]",
        "[1e]",
        "[true, false, null]",
        "[truex]",
        "[nul]",
        "[True, NULL, ~, yes]",
        "{\"a\": {\"b\": [{\"c\": []}, {}]}}",
        "{\"a\":1}{\"b\":2}",
        "{\"a\":1,}",
        "[1,]",
        "[,1]",
        "{\"a\"\n: 1}",
        "{\"a\" 1}",
        "{\"a\"::1}",
        "---\n{\"a\": 1}",
        "# c\n{\"a\": 1}",
        "{\"a\": 1} # c",
        "{\"a\": 1}\n---\n{\"b\": 2}",
        "[1, 2]\n...\n",
        "{a: 1}",
        "[a, b]",
        "{\"a\": 1, b: 2}",
        "[\"a\": 1]",
        "{\"<<\": {\"x\": 1}}",
        "{\"é\": \"✓\", \"k\": [1, \"日本\", \"naïve\"]}",
        "\"s\"",
        "1",
        "",
        "{\"a\": 1 // c\n, \"b\": /* c */ 2}",
        "{\"a\": \"{{ .Values.x }}\"}",
        "[1\n,2]",
        "[\n1\n]",
        "{\"a\":[1,2,3],\"b\":{\"c\":\"d\"}}",
        "\u{c}[1]",
        "[1\u{c}]",
        "[\"unterminated]",
        "{\"a\": 1",
        "[1, 2]]",
        &long_key,
    ];
    let taken = texts.iter().filter(|t| check(t)).count();
    assert!(taken >= 20, "{taken}");
}

#[test]
fn nesting_past_the_fast_paths_limit_goes_to_yaml() {
    for depth in [1, 199, 200, 201, 255, 256, 300] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(check(&text), depth <= super::MAX_NESTING, "{depth}");
        let maps = format!("{}1{}", "{\"a\": ".repeat(depth), "}".repeat(depth));
        assert_eq!(check(&maps), depth <= super::MAX_NESTING, "{depth}");
    }
}

/// A small deterministic generator (xorshift): JSON texts with every kind of value,
/// blank and string content, then the same texts with one byte changed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn blank(&mut self) -> &'static str {
        self.pick(&["", "", " ", "\n", "\t", "\r\n", "  ", "\n  ", "\n\t\t"])
    }

    fn value(&mut self, depth: usize, out: &mut String) {
        let kind = match depth {
            0 => self.below(2),
            1..=4 => self.below(4),
            _ => 2 + self.below(2),
        };
        match kind {
            0 | 1 => {
                let n = self.below(4);
                out.push(if kind == 0 { '[' } else { '{' });
                for i in 0..n {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(self.blank());
                    if kind == 1 {
                        self.string(out);
                        out.push_str(self.pick(&["", " ", "\t"]));
                        out.push(':');
                        out.push_str(self.blank());
                    }
                    self.value(depth + 1, out);
                    out.push_str(self.blank());
                }
                out.push(if kind == 0 { ']' } else { '}' });
            }
            2 => self.string(out),
            _ => out.push_str(self.pick(&[
                "0", "-1", "12", "1.5", "-0.25e10", "1E-3", "true", "false", "null", "1e400",
            ])),
        }
    }

    fn string(&mut self, out: &mut String) {
        out.push('"');
        for _ in 0..self.below(4) {
            out.push_str(self.pick(&[
                "a",
                "key",
                "\\\"",
                "\\\\",
                "\\/",
                "\\n",
                "\\t",
                "\\u00e9",
                "\\u2028",
                "é",
                "✓",
                "日",
                "#",
                " #",
                ":",
                ": ",
                ",",
                "{",
                "[",
                "'",
                " ",
                "- ",
                "---",
                "&x",
                "*y",
                "!t",
                "%",
                "@",
                "`",
                "|",
                ">",
                "?",
                "\\ud83d\\ude00",
            ]));
        }
        out.push('"');
    }
}

#[test]
fn generated_json_and_near_json_agree_with_saphyr() {
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let (mut tried, mut taken) = (0, 0);
    for _ in 0..1500 {
        let mut text = String::new();
        text.push_str(random.blank());
        random.value(0, &mut text);
        text.push_str(random.blank());
        let mut variants = vec![text.clone()];
        for _ in 0..8 {
            let mut bytes = text.clone().into_bytes();
            let at = random.below(bytes.len() + 1);
            let inserted = b"{}[],:\"\\ #-\n\t1a."[random.below(16)];
            match random.below(3) {
                0 if at < bytes.len() => drop(bytes.remove(at)),
                1 if at < bytes.len() => bytes[at] = inserted,
                _ => bytes.insert(at, inserted),
            }
            if let Ok(mutant) = String::from_utf8(bytes) {
                variants.push(mutant);
            }
        }
        for v in &variants {
            tried += 1;
            taken += usize::from(check(v));
        }
    }
    assert!(taken * 4 > tried, "{taken} of {tried}");
}

/// [`super::plain_run`] a byte at a time, as it was before it tested whole words.
fn plain_run_bytewise(bytes: &[u8]) -> usize {
    (0..bytes.len())
        .find(|&i| super::ends_run(bytes, i))
        .unwrap_or(bytes.len())
}

#[test]
fn string_runs_end_where_the_bytewise_walk_ends() {
    let pieces = [
        "a",
        "Z",
        " ",
        "~",
        "\"",
        "\\",
        "\t",
        "\n",
        "\r",
        "\u{1f}",
        "\u{7f}",
        "\u{80}",
        "é",
        "\u{85}",
        "\u{2028}",
        "\u{2029}",
        "\u{2027}",
        "\u{FEFF}",
        "\u{FEFE}",
        "日",
        "✓",
        "abcdefgh",
        "0123456789abcdef",
    ];
    let mut random = Random(0x2545_F491_4F6C_DD1D);
    for _ in 0..20_000 {
        let text: String = (0..random.below(40))
            .map(|_| random.pick(&pieces))
            .collect();
        let bytes = text.as_bytes();
        for from in 0..=bytes.len() {
            let rest = &bytes[from..];
            assert_eq!(super::plain_run(rest), plain_run_bytewise(rest), "{rest:?}");
        }
    }
}

/// Every JSON file listed in `RESILINT_JSON_FILES` (one path a line): real data files
/// (`find / -name '*.json' > list`) agree as the generated ones do.
#[test]
#[ignore = "needs RESILINT_JSON_FILES"]
fn listed_json_files_agree_with_saphyr() {
    let list = std::env::var("RESILINT_JSON_FILES").expect("RESILINT_JSON_FILES");
    let (mut files, mut taken) = (0, 0);
    for path in std::fs::read_to_string(list).unwrap().lines() {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        files += 1;
        taken += usize::from(check(text));
    }
    eprintln!("{taken} of {files} files taken by the fast path");
}
