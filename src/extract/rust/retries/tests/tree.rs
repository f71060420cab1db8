//! Positions, the fact tree, depth limits, odd input, and later-found loop shapes.

use super::*;

// ---------------------------------------------------------------- positions and tree

#[test]
fn spans_are_byte_offsets_with_crlf_and_non_ascii() {
    let src = "// Grüße, café ✓ 🦀\r\nasync fn f() {\r\n    let _é = \"ü\"; for _ in 0..3 {\r\n        match ping().await { Ok(_) => return, Err(_) => {} }\r\n        tokio::time::sleep(D).await;\r\n    }\r\n}\r\n";
    let f = one(src);
    assert_eq!(text(src, f.span), "for _ in 0..3");
    assert_eq!(line_col(src, f.span.start), (3, 19));
    let d = f.delay_span.unwrap();
    assert_eq!(text(src, d), "tokio::time::sleep(D)");
    assert_eq!(line_col(src, d.start), (5, 9));
}

#[test]
fn spans_survive_a_byte_order_mark() {
    let src = "\u{feff}async fn f() { for _ in 0..3 { if let Ok(_) = ping().await { return; } } }";
    let f = one(src);
    assert_eq!(text(src, f.span), "for _ in 0..3");
}

#[test]
fn positions_clamp_out_of_range() {
    let p = Positions::new("ab\ncd");
    assert_eq!(p.offset(LineColumn { line: 2, column: 1 }), 4);
    assert_eq!(
        p.offset(LineColumn {
            line: 2,
            column: 99
        }),
        5
    );
    assert_eq!(p.offset(LineColumn { line: 9, column: 0 }), 5);
    assert_eq!(p.offset(LineColumn { line: 0, column: 0 }), 5);
}

#[test]
fn the_tree_has_the_documented_keys_and_spans() {
    let src = r#"
async fn a() {
    for _ in 0..3 {
        match ping().await { Ok(_) => return, Err(_) => {} }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
async fn b() { tokio_retry::Retry::spawn(tokio_retry::strategy::FixedInterval::from_millis(9), act).await; }
"#;
    let all = facts(src);
    let node = to_node(&all);
    let items = node.as_seq().unwrap();
    assert_eq!(items.len(), 2);
    let first = &items[0];
    assert_eq!(first.span, all[0].span);
    assert_eq!(first.get("kind").unwrap().as_str(), Some("loop"));
    assert_eq!(first.get("form").unwrap().as_str(), Some("for"));
    let (k, v) = first.entry("delay").unwrap();
    assert_eq!(v.as_str(), Some("constant"));
    assert_eq!(k.span, all[0].span, "the finding starts at the loop header");
    assert_eq!(v.span, all[0].delay_span.unwrap());
    assert!(first.get("unbounded").is_none(), "only present when true");
    let second = &items[1];
    assert_eq!(second.get("crate").unwrap().as_str(), Some("tokio-retry"));
    assert_eq!(second.get("unbounded").unwrap().as_bool(), Some(true));
    assert_eq!(to_node(&[]).as_seq().map(<[Node]>::len), Some(0));
}

#[test]
fn the_rules_require_check_points_at_the_fact() {
    use crate::rules::checks::Require;
    let src = "async fn a() {\n    for _ in 0..3 {\n        if let Ok(_) = ping().await { return; }\n    }\n}\n";
    let node = to_node(&facts(src));
    let check: Require = toml::from_str(
        "[[require]]\npath = \"delay\"\nnot-one-of = [\"none\"]\nmessage = \"retries with no delay\"\n",
    )
    .unwrap();
    let problems = check.judge(&node.as_seq().unwrap()[0]);
    assert_eq!(problems.len(), 1);
    let span = problems[0].span.unwrap();
    assert_eq!(line_col(src, span.start), (2, 5));
    let unbounded: Require =
        toml::from_str("[[require]]\npath = \"unbounded\"\npresent = false\n").unwrap();
    assert!(unbounded.judge(&node.as_seq().unwrap()[0]).is_empty());
}

/// Runs `f` on a thread with a generous stack, as the framework's workers do: `syn`
/// itself needs it for deep input in debug builds.
fn with_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn deep_input_stops_at_the_depth_limit() {
    with_big_stack(|| {
        let deep = format!(
        "async fn f() {{ for _ in 0..3 {{ let x = {}1{}; if let Ok(_) = ping().await {{ return; }} }} }}",
            "(".repeat(1000),
            ")".repeat(1000)
        );
        assert_eq!(facts(&deep).len(), 1);
        let sleep_deep = format!(
            "async fn f() {{ for _ in 0..3 {{ tokio::time::sleep({}D{}).await; if let Ok(_) = ping().await {{ return; }} }} }}",
            "(".repeat(1000),
            ")".repeat(1000)
        );
        assert_eq!(facts(&sleep_deep)[0].delay, Delay::Unknown);
    });
}

#[test]
fn deeply_nested_loops_do_not_overflow() {
    with_big_stack(|| {
        let nested_loops = format!(
            "async fn f() {{ {} if let Ok(_) = ping().await {{ return; }} {} }}",
            "loop { ".repeat(400),
            "}".repeat(400)
        );
        let _ = facts(&nested_loops);
    });
}

#[test]
fn weird_small_inputs() {
    for src in [
        "",
        "fn f() { tokio::select! { => , } }",
        "fn f() { tokio::select! { biased; } }",
        "fn f() { m!(@ # $ ;;) ; for _ in 0.. {} }",
        "impl Policy for X {}",
        "impl tower::retry::Policy<A, B, C> for X { fn retry(&self) {} }",
        "fn f() { while let Err(_) = x {} }",
    ] {
        let _ = facts(src);
    }
}

#[test]
fn a_bare_catalogue_name_from_a_crate_the_file_does_not_use_is_not_matched() {
    let src = r#"
use crate::pacing::*;
fn a() { let _ = Constant::new(5); }
"#;
    assert!(facts(src).is_empty());
    let sleep = r#"
use super::*;
async fn a() { for _ in 0..3 { if let Ok(_) = ping().await { return; } sleep(PAUSE).await; } }
"#;
    assert_eq!(
        one(sleep).delay,
        Delay::Constant,
        "an unimported `sleep` still sleeps"
    );
}

#[test]
fn a_timeout_around_the_attempt_is_still_a_retry() {
    let src = r#"
async fn connect(d: std::time::Duration) -> Conn {
    let mut backoff = ExponentialBackoff::default();
    loop {
        match tokio::time::timeout(d, open()).await {
            Ok(Ok(conn)) => return conn,
            Ok(Err(e)) => tracing::warn!("{e}"),
            Err(_) => tracing::warn!("timed out"),
        }
        tokio::time::sleep(backoff.next().unwrap()).await;
    }
}
"#;
    let f = one(src);
    assert_eq!(
        f.delay,
        Delay::Growing,
        "a project's `ExponentialBackoff` iterator grows"
    );
    assert!(f.unbounded);
}

#[test]
fn a_failure_path_that_awaits_something_else_has_an_unknown_delay() {
    let src = r#"
async fn write(&mut self, mut record: R) -> Result<usize, E> {
    loop {
        match self.try_write(record).await? {
            Ok(n) => return Ok(n),
            Err(old) => {
                record = old;
                self.ledger.wait_for_reader().await;
            }
        }
    }
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::Unknown);
    assert!(!f.unbounded, "it waits for a condition, not blindly");
}

#[test]
fn more_loops_that_are_not_retries() {
    for (why, src) in [
        (
            "fixing one error case and trying again",
            r#"async fn f(buf: &mut Vec<u8>) { loop { match encode(buf) { Ok(n) => { sink.write(n).await; break; } Err(Error::TooSmall(min)) => buf.resize(min, 0), Err(e) => return } } }"#,
        ),
        (
            "reading the next item of a stream",
            r#"async fn f(r: &mut Reader) -> Item { loop { match r.next().await { Ok(item) => break item, Err(e) => emit(e) } } }"#,
        ),
        (
            "a poll state machine that builds a sleep future without awaiting it",
            r#"fn poll(&mut self) { loop { self.state = match self.healthy() { Ok(s) => return s, Err(_) => State::Open(sleep(self.delay).boxed()) } } }"#,
        ),
        (
            "a `while` whose condition does not count attempts",
            r#"async fn f(buf: &mut B) { while buf.len() < N { match rd.try_read_buf(buf) { Ok(_) => return, Err(_) => rd.readable().await.unwrap() } } }"#,
        ),
        (
            "a specific success value, not success as such",
            r#"async fn f() { loop { match step().await { Ok(Outcome::Stop) => break, Ok(_) => {}, Err(e) => log(e) } } }"#,
        ),
        (
            "every error leaves the loop",
            r#"async fn f() { for _ in 0..3 { match ping().await { Ok(v) => return v, Err(e) => return fail(e) } } }"#,
        ),
        (
            "failover: each attempt calls the endpoint the counter picks",
            r#"async fn f(svcs: &[S]) { let mut attempt = 0; while attempt < 3 { let idx = order[attempt]; let svc = svcs[idx].clone(); attempt += 1; match svc.call().await { Ok(r) => return r, Err(_) => {} } } }"#,
        ),
        (
            "failover over candidates: each attempt uses the next item of an iterator (lemmy)",
            r#"async fn f(cands: &[Id]) -> Result<C, E> { let mut iter = cands.iter(); loop { if let Some(cid) = iter.next() { let cid = Object::from(cid.clone()); if let Ok(c) = cid.dereference(ctx).await { break Ok(c); } } else { return Err(E::NotFound); } } }"#,
        ),
        (
            "failover over candidates bound by `let .. else`",
            r#"async fn f() { loop { let Some(host) = hosts.next() else { return }; match connect(host).await { Ok(c) => return c, Err(_) => {} } } }"#,
        ),
        (
            "a nested loop's exits are its own",
            r#"async fn f() { for part in 1u16.. { while pending() { match rd.read_some().await { Ok(0) => break, Ok(_) => continue, Err(_) => return } } match split(part) { Ok(b) => b, Err(_) => continue }; } }"#,
        ),
    ] {
        assert!(facts(src).is_empty(), "{why}: {:#?}", facts(src));
    }
}

#[test]
fn a_duration_matched_out_of_a_call_given_the_counter_grows() {
    let src = r#"
async fn rerank(&self) -> Result<R, E> {
    for attempt in 0..MAX_RETRIES {
        let wait = match self.handle(self.send().await).await {
            Ok(r) => return Ok(r),
            Err(retry) => {
                if deadline.exceeded() {
                    return Err(E::Deadline);
                } else {
                    match retry.into_duration(attempt) {
                        Ok(d) => d,
                        Err(e) => return Err(e),
                    }
                }
            }
        };
        let wait = wait + jitter(wait);
        tokio::time::sleep(wait).await;
    }
    Err(E::Exhausted)
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::Growing, "{f:?}");
    assert!(!f.unbounded);
}

#[test]
fn a_strategy_cloned_into_a_spawned_task_is_still_followed() {
    let src = r#"
use tokio_retry::{strategy::FixedInterval, Retry};
pub async fn run_all(configs: Vec<Config>) {
    for config in configs {
        let retry_strategy = FixedInterval::from_millis(5000);
        let indexer_strategy = retry_strategy.clone();
        tokio::spawn(async move {
            Retry::spawn(indexer_strategy, || async { run(&config).await }).await
        });
        let bounded = retry_strategy.clone();
        tokio::spawn(async move { Retry::spawn(bounded.take(3), || run_once()).await });
    }
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::Constant);
    assert!(
        f.unbounded,
        "one of its clones reaches `Retry::spawn` without `.take`"
    );
}

#[test]
fn a_delay_destructured_from_a_tuple_is_classified() {
    let src = r#"
async fn call(&self) -> Result<T, E> {
    let mut attempt = 0;
    let mut retries_left = 3;
    loop {
        let action = match self.request().await {
            Ok(body) => return Ok(body),
            Err(err) => classify(err),
        };
        let (backoff_time, status) = match action {
            Action::Fail(e) => return Err(e),
            Action::Now(s) => (Duration::ZERO, s),
            Action::Backoff(s) => {
                let backoff = BASE * 2u32.pow(attempt as u32);
                (backoff, s)
            }
        };
        attempt += 1;
        if retries_left == 0 { return Err(status.into()); }
        retries_left -= 1;
        tokio::time::sleep(backoff_time).await;
    }
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::Growing);
    assert!(!f.unbounded);
}

#[test]
fn a_loop_inside_a_timeout_is_bounded_in_time() {
    let src = r#"
async fn wait_for(host: &str, port: u16) {
    let fut = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match tokio::time::timeout(ATTEMPT, TcpStream::connect((host, port))).await {
                Ok(Ok(_)) => break,
                Ok(Err(_)) | Err(_) => {
                    tokio::time::sleep(RETRY_WAIT).await;
                    continue;
                }
            }
        }
    });
    let _ = fut.await;
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::Constant);
    assert!(!f.unbounded, "the outer timeout bounds it");
}

#[test]
fn targets_follow_format_strings_lets_and_conditions() {
    let src = r#"
const BASE: &str = "http://orders.internal:8080";
async fn a(id: u32) {
    let url = format!("{BASE}/v1/orders/{id}");
    for _ in 0..3 {
        if let Ok(_) = reqwest::get(&url).await { return; }
    }
}
async fn b() {
    while let Err(_) = reqwest::get(BASE).await {
        tokio::time::sleep(D).await;
    }
}
async fn c(client: &reqwest::Client) {
    let url = format!("{}/health", BASE);
    let _ = (|| async { client.get(&url).send().await })
        .retry(backon::ExponentialBuilder::default())
        .await;
}
fn d() {
    let _ = backon::ConstantBuilder::default();
}
"#;
    let all = facts(src);
    let targets: Vec<_> = all.iter().map(|f| f.target.as_deref()).collect();
    assert_eq!(
        targets,
        [
            Some("http://orders.internal:8080/v1/orders/{id}"),
            Some("http://orders.internal:8080"),
            Some("http://orders.internal:8080"),
            None,
        ]
    );
}

#[test]
fn a_delay_taken_from_an_iterator_is_still_a_retry() {
    let src = r#"
async fn f(mut delays: impl Iterator<Item = Duration>) -> Result<R, E> {
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let Some(d) = delays.next() else { return Err(e) };
                tokio::time::sleep(d).await;
            }
        }
    }
}
"#;
    assert_eq!(
        facts(src).len(),
        1,
        "the attempt does not use the picked item"
    );
}

// ------------------------------------------------- the word prefilter skips nothing real

#[test]
fn a_strategy_through_a_renamed_import_is_found_in_a_body_without_the_crate_name() {
    let src = r#"
use tokio_retry::strategy::FixedInterval as Wait;
async fn f() { let s = Wait::from_millis(5).take(3); }
"#;
    assert_eq!(krate(&one(src)).0, "tokio-retry");
}

#[test]
fn a_strategy_through_a_glob_import_is_found() {
    let src = r#"
use tokio_retry::strategy::*;
async fn f() { let s = FixedInterval::from_millis(5).take(3); }
"#;
    assert_eq!(krate(&one(src)).0, "tokio-retry");
}

#[test]
fn words_next_to_a_body_on_its_lines_do_not_count_as_inside() {
    let text = "\u{feff}fn f(c: backoff::X) { a } for\nfn g() { b }";
    let catalog = RetryCatalog::builtin();
    let words = words::Words::scan(
        text,
        &catalog.path_index().strategy_words,
        std::iter::empty(),
        false,
    );
    // Columns as proc-macro2 counts them (the byte-order mark is not counted):
    // `backoff` starts at 8, `{ a }` spans 20..25, `for` starts at 26; words are
    // byte offsets, and so are the places asked once converted.
    let pos = crate::extract::rust::front::positions::Positions::new(text);
    let at = |line, column| pos.offset(proc_macro2::LineColumn { line, column });
    assert!(!words.may_loop(at(1, 20), at(1, 25)));
    assert!(words.may_loop(at(1, 20), at(1, 27)));
    assert!(!words.may_name_strategy(at(1, 20), at(1, 25)));
    assert!(words.may_name_strategy(at(1, 8), at(1, 9)));
    assert!(!words.may_name_strategy(at(1, 9), at(1, 25)));
    assert!(!words.may_loop(at(2, 7), at(2, 12)));
}

#[test]
fn a_loop_keyword_right_after_a_brace_is_seen() {
    let src = "async fn f() {loop { match ping().await { Ok(_) => break, Err(_) => {} } }}";
    assert_eq!(lp(&one(src)), "loop");
}

#[test]
fn the_word_scan_finds_the_words_a_plain_split_finds() {
    // Words across the 64-byte chunks, at the ends, next to non-ASCII bytes.
    let mut text = String::from("é");
    for i in 0..40 {
        text.push_str(&"ab_c9".repeat(i % 7));
        text.push_str([" ", "::", "\n", "é", "(("][i % 5]);
    }
    text.push_str(&"x".repeat(130));
    let plain: Vec<(usize, &str)> = text
        .match_indices(|c: char| c.is_ascii_alphanumeric() || c == '_')
        .fold(Vec::new(), |mut v: Vec<(usize, usize)>, (i, _)| {
            match v.last_mut() {
                Some((_, end)) if *end == i => *end = i + 1,
                _ => v.push((i, i + 1)),
            }
            v
        })
        .into_iter()
        .map(|(s, e)| (s, &text[s..e]))
        .collect();
    let mut scanned = Vec::new();
    words::for_each_word(text.as_bytes(), &[u64::MAX; 256], |w, at| {
        scanned.push((at, &text[at..at + w.len()]));
    });
    assert_eq!(scanned, plain);
}
