use super::{LineCol, SourceFile};

fn file(text: &str) -> SourceFile {
    SourceFile::new("t.yaml".into(), "t.yaml".into(), text.to_string())
}

fn at(f: &SourceFile, offset: usize) -> (usize, usize) {
    let LineCol { line, column } = f.line_col(offset);
    (line, column)
}

#[test]
fn line_starts_agree_with_a_plain_search_across_chunk_edges() {
    for len in [0usize, 1, 31, 32, 33, 63, 64, 65, 100, 257] {
        for step in [1usize, 2, 7, 31, 32, 33] {
            let text: String = (0..len)
                .map(|i| if i % step == step - 1 { '\n' } else { 'x' })
                .collect();
            let expected: Vec<u32> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i as u32 + 1))
                .collect();
            assert_eq!(
                super::line_starts(text.as_bytes()),
                expected,
                "len {len} step {step}"
            );
        }
    }
}

#[test]
fn line_starts_find_newlines_only_among_all_byte_values() {
    // Every byte value before and after a newline, the newline at every offset
    // of a word: a byte with its high bit set, or one bit away from `\n`, is none.
    let mut bytes: Vec<u8> = Vec::new();
    for b in 0..=255u8 {
        for pad in 0..9 {
            bytes.extend(std::iter::repeat_n(b, pad));
            bytes.push(b'\n');
            bytes.push(b);
        }
    }
    let newlines = bytes.iter().enumerate().filter(|(_, &b)| b == b'\n');
    let expected: Vec<u32> = std::iter::once(0)
        .chain(newlines.map(|(i, _)| i as u32 + 1))
        .collect();
    assert_eq!(super::line_starts(&bytes), expected);
}

#[test]
fn offsets_map_to_one_based_lines_and_columns() {
    let f = file("a: 1\nbb: 2\n\nc: 3");
    assert_eq!(at(&f, 0), (1, 1));
    assert_eq!(at(&f, 3), (1, 4));
    assert_eq!(at(&f, 4), (1, 5), "the newline ends line 1");
    assert_eq!(at(&f, 5), (2, 1));
    assert_eq!(at(&f, 11), (3, 1));
    assert_eq!(at(&f, 12), (4, 1));
    assert_eq!(at(&f, 16), (4, 5), "just past the end");
    assert_eq!(at(&f, 999), (4, 5), "clamped to the text");
}

#[test]
fn columns_count_characters_not_bytes() {
    // `é` is 2 bytes, `✓` 3, `🦀` 4: each counts as one column.
    let text = "# café ✓ 🦀\nname: Zürich # ✓\n";
    let f = file(text);
    let z = text.find("Zürich").unwrap();
    assert_eq!(at(&f, z), (2, 7));
    let after = z + "Zürich".len();
    assert_eq!(at(&f, after), (2, 13));
    let crab = text.find('🦀').unwrap();
    assert_eq!(at(&f, crab), (1, 10));
    assert_eq!(at(&f, crab + 4), (1, 11));
}

#[test]
fn an_offset_inside_a_character_snaps_to_its_start() {
    let f = file("x: ✓\n");
    let check = "x: ".len();
    assert_eq!(at(&f, check + 1), (1, 4));
    assert_eq!(at(&f, check + 2), (1, 4));
    assert_eq!(at(&f, check + 3), (1, 5));
}

#[test]
fn crlf_line_endings_keep_lines_and_columns() {
    let text = "# Grüße\r\nspec:\r\n  timeout: 0s\r\n";
    let f = file(text);
    let t = text.find("timeout").unwrap();
    assert_eq!(at(&f, t), (3, 3));
    assert_eq!(at(&f, text.find("0s").unwrap()), (3, 12));
    let (start, end) = f.line_range(2);
    assert_eq!(&text[start..end], "  timeout: 0s", "no `\\r` in the line");
    let (start, end) = f.line_range(0);
    assert_eq!(&text[start..end], "# Grüße");
}

#[test]
fn line_range_and_end_of_line() {
    let text = "a: 1   \nb: [x]\nlast";
    let f = file(text);
    assert_eq!(f.line_range(0), (0, 7));
    assert_eq!(f.line_range(2), (15, 19));
    assert_eq!(
        f.line_range(99),
        f.line_range(2),
        "clamped to the last line"
    );
    assert_eq!(&text[..f.end_of_line(0)], "a: 1", "trailing spaces trimmed");
    let b = text.find("b:").unwrap();
    assert_eq!(&text[b..f.end_of_line(b)], "b: [x]");
    assert_eq!(f.end_of_line(text.len()), text.len());
}

#[test]
fn a_lone_cr_breaks_lines_for_users_but_not_for_rust_positions() {
    let text = "a: 1\rb: 2\r\nc: 3\n";
    let f = file(text);
    assert_eq!(at(&f, text.find('b').unwrap()), (2, 1));
    assert_eq!(at(&f, text.find('c').unwrap()), (3, 1));
    assert_eq!(f.line_range(0), (0, 4));
    assert_eq!(&text[f.line_range(1).0..f.line_range(1).1], "b: 2");
    assert_eq!(f.line_starts(), &[0, 11, 16], "`\\n` only");
    assert_eq!(f.line_count(), 4);
}

#[test]
fn columns_on_a_long_non_ascii_line_match_a_plain_count() {
    let text: String = (0..5000)
        .map(|i| if i % 7 == 0 { 'é' } else { 'x' })
        .collect();
    let f = file(&text);
    for (offset, _) in text.char_indices().step_by(997) {
        let expected = text[..offset].chars().count() + 1;
        assert_eq!(at(&f, offset), (1, expected), "offset {offset}");
    }
}

#[test]
fn kept_line_tables_give_the_positions_without_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.yaml");
    for text in ["a: 1\nbb: 2\n\nc: 3", "x\n", "", "one line"] {
        std::fs::write(&path, text).unwrap();
        let read = file(text);
        let kept = read.lines_to_keep().expect("ASCII without lone CR");
        let unread = SourceFile::unread("a.yaml".into(), path.clone(), 1 << 20, Some(&kept));
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                at(&unread, offset),
                at(&read, offset),
                "{text:?} at {offset}"
            );
        }
        assert!(
            !unread.text.is_read(),
            "positions alone never read the text"
        );
        assert_eq!(&*unread.text, text, "the text is read on first use");
    }
    // Not kept: non-ASCII text and lone `\r`s (their positions need the text).
    assert!(file("é\n").lines_to_keep().is_none());
    assert!(file("a\rb\n").lines_to_keep().is_none());
    // Tables that do not fit are not used: the text is read for positions.
    std::fs::write(&path, "ab\ncd\n").unwrap();
    let bad = super::KeptLines {
        len: 3,
        lines: vec![3, 3],
    };
    let unread = SourceFile::unread("a.yaml".into(), path.clone(), 1 << 20, Some(&bad));
    assert_eq!(at(&unread, 4), (2, 2));
    let read = file("ab\ncd\n");
    read.keep_lines(Some(&bad));
    assert_eq!(at(&read, 6), (3, 1), "tables of another text are dropped");
}

#[test]
fn a_released_text_keeps_its_positions_and_is_read_again_on_first_use() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.rs");
    // ASCII: positions come from the kept tables; other text is read again for them.
    for (text, positions_read_it) in [
        ("fn a() {}\nfn b() {}\n", false),
        ("// é\nfn b() {}\n", true),
    ] {
        std::fs::write(&path, text).unwrap();
        let mut f = SourceFile::new("a.rs".into(), path.clone(), text.into());
        let before: Vec<_> = (0..=text.len()).map(|o| at(&f, o)).collect();
        f.release_text(1 << 20);
        assert!(!f.text.is_read(), "released");
        assert!(f.text.has_no_ignores(), "no ignore comment to look for");
        let after: Vec<_> = (0..=text.len()).map(|o| at(&f, o)).collect();
        assert_eq!(after, before, "{text:?}");
        assert_eq!(f.text.is_read(), positions_read_it, "{text:?}");
        assert_eq!(&*f.text, text, "read again on first use");
    }
    // Changed under the run: blanks of the old length, positions still answer.
    let text = "fn a() {}\nfn b() {}\n";
    std::fs::write(&path, text).unwrap();
    let mut f = SourceFile::new("a.rs".into(), path.clone(), text.into());
    f.release_text(1 << 20);
    std::fs::write(&path, "é").unwrap();
    assert_eq!(&*f.text, " ".repeat(text.len()));
    assert_eq!(at(&f, 12), (2, 3));
    assert_eq!(f.line_range(1), (10, 20));
    assert_eq!(f.end_of_line(12), 12);
    // A text with an ignore comment is kept: every file's comments are read.
    let ignored = "let c = Client::new(); // resilint: ignore[x] why\n";
    let mut g = SourceFile::new("b.rs".into(), path, ignored.into());
    g.release_text(1 << 20);
    assert!(g.text.is_read() && !g.text.has_no_ignores());
}

#[test]
fn empty_text_has_one_line() {
    let f = file("");
    assert_eq!(at(&f, 0), (1, 1));
    assert_eq!(f.line_range(0), (0, 0));
}
