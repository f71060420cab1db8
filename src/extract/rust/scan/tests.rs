use super::*;

#[test]
fn brackets_in_strings_comments_and_chars_do_not_count() {
    let deep_in_strings = format!(
        "fn f() {{ let s = \"{}\"; let r = r#\"{}\"#; let c = '('; // {}\n /* {} */ }}",
        "(".repeat(1000),
        "[".repeat(1000),
        "{".repeat(1000),
        "(".repeat(1000)
    );
    assert_eq!(check_depth(&deep_in_strings, 256), Ok(()));
}

#[test]
fn closers_in_strings_cannot_hide_real_nesting() {
    let sneaky = "(\")\"".repeat(1000);
    assert!(check_depth(&sneaky, 256).is_err());
}

#[test]
fn long_chains_are_refused_but_many_statements_and_items_are_not() {
    let chain = format!("fn f() {{ x{}; }}", "?".repeat(MAX_CHAIN + 1));
    assert!(check_depth(&chain, 256).is_err());
    let casts = format!("fn f() {{ x{}; }}", " as u8".repeat(MAX_CHAIN));
    assert!(check_depth(&casts, 256).is_err());
    let else_ifs = format!("fn f() {{ {}{{}} }}", "if a {} else ".repeat(MAX_CHAIN));
    assert!(check_depth(&else_ifs, 256).is_err());
    let statements = "let x = a.b().c()?;\n".repeat(MAX_CHAIN);
    assert!(check_depth(&format!("fn f() {{ {statements} }}"), 256).is_ok());
    let items =
        "#[derive(Debug)]\npub struct A { x: u8 }\nimpl A { fn f(&self) -> u8 { self.x } }\n"
            .repeat(MAX_CHAIN);
    assert!(check_depth(&items, 256).is_ok());
}

#[test]
fn path_segments_are_no_links_of_a_chain() {
    // A match arm of 1,000 paths joined by `|` (komodo's EC2 instance types): 5,000
    // tokens, 2,000 links.
    let arm = format!(
        "fn f(t: T) -> bool {{ match t {{ {}T::Last => true, _ => false }} }}",
        "InstanceType::Variant | ".repeat(1000)
    );
    assert_eq!(check_depth(&arm, 256), Ok(()));
    let chain = format!("fn f() {{ x{}; }}", " | a::b".repeat(MAX_CHAIN / 2 + 1));
    assert_eq!(check_depth(&chain, 256).unwrap_err().limit, Limit::Chain);
}

#[test]
fn deep_parens_and_prefix_runs_are_refused() {
    assert!(check_depth(&"(".repeat(300), 256).is_err());
    assert!(check_depth(&format!("fn f() {{ {}x }}", "!".repeat(300)), 256).is_err());
    assert!(check_depth(
        "fn f<'a>(x: &'a str) -> bool { !x.is_empty() && true }",
        256
    )
    .is_ok());
}

#[test]
fn closure_chains_and_open_generics_are_refused_with_their_limit() {
    let closures = format!("fn f() {{ let _ = {}0; }}", "|a,b| ".repeat(MAX_DEPTH + 1));
    assert_eq!(
        check_depth(&closures, 256).unwrap_err().limit,
        Limit::Closures
    );
    let ok = format!("fn f() {{ let _ = {}0; }}", "|a,b| ".repeat(MAX_DEPTH - 1));
    assert_eq!(check_depth(&ok, 256), Ok(()));
    let generics = format!("type T = {}", "A<u, ".repeat(MAX_DEPTH + 1));
    assert_eq!(
        check_depth(&generics, 256).unwrap_err().limit,
        Limit::Generics
    );
    let closed = format!("type T = {}u{};", "A<u, ".repeat(200), ">".repeat(200));
    assert_eq!(check_depth(&closed, 256), Ok(()));
    let chain = format!("fn f() {{ x{}; }}", "?".repeat(MAX_CHAIN + 1));
    let err = check_depth(&chain, 256).unwrap_err();
    assert_eq!(err.limit, Limit::Chain);
    assert!(err.message().contains("4000 tokens"), "{}", err.message());
}

#[test]
fn comparisons_binary_bars_and_many_closures_are_not_nesting() {
    let body = "if a < b { x() } let y = a < b; v.iter().filter(|x| x < 3).map(|a, b| a | b);\n\
                match z { Some(q) if q < 3 => 1, _ => 2 }; let f = |a| a || b;\n";
    let text = format!("fn f() {{ {} }}", body.repeat(2000));
    assert_eq!(check_depth(&text, 256), Ok(()));
    let args = format!("fn f() {{ g({}); }}", "|a| a, ".repeat(1000));
    assert_eq!(check_depth(&args, 256), Ok(()));
}

#[test]
fn tokens_past_max_tokens_are_refused_and_comments_and_strings_are_free() {
    let text = "fn f() { a.b(1); }\n"; // 13 tokens
    assert_eq!(check_size(text, 256, 13, &mut Hits::none()), Ok(()));
    let err = check_size(text, 256, 12, &mut Hits::none()).unwrap_err();
    assert_eq!((err.limit, err.depth, err.offset), (Limit::Tokens, 12, 17));
    assert!(
        err.message().contains("`max-tokens` under `[rust]`"),
        "{}",
        err.message()
    );
    let quiet = format!(
        "// {}\n/* {} */ const S: &str = \"{}\";",
        "a ".repeat(500),
        "b ".repeat(500),
        "c ".repeat(500)
    );
    assert_eq!(check_size(&quiet, 256, 8, &mut Hits::none()), Ok(()));
    assert!(check_size(&quiet, 256, 7, &mut Hits::none()).is_err());
    assert_eq!(check_depth(&"a;".repeat(500_000), 256), Ok(()));
}
