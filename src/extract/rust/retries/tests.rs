//! Each classification on small sources, positive and negative, and positions.

use super::*;
use crate::source::SourceFile;

fn facts(src: &str) -> Vec<RetryFact> {
    let file = syn::parse_file(src).expect("test source parses");
    retries(&file, src, &RetryCatalog::builtin())
}

fn one(src: &str) -> RetryFact {
    let mut all = facts(src);
    assert_eq!(
        all.len(),
        1,
        "expected one retry fact in:\n{src}\ngot {all:#?}"
    );
    all.remove(0)
}

fn text(src: &str, span: Span) -> &str {
    &src[span.start..span.end]
}

fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let f = SourceFile::new("t.rs".into(), "t.rs".into(), src.to_string());
    let lc = f.line_col(offset);
    (lc.line, lc.column)
}

fn lp(fact: &RetryFact) -> &'static str {
    match fact.source {
        RetrySource::Loop { form } => form,
        RetrySource::Crate { .. } => panic!("not a loop: {fact:?}"),
    }
}

fn krate(fact: &RetryFact) -> (&str, &str) {
    match &fact.source {
        RetrySource::Crate { krate, strategy } => (krate, strategy),
        RetrySource::Loop { .. } => panic!("not a crate: {fact:?}"),
    }
}

// ---------------------------------------------------------------- loops: delay none

#[test]
fn for_range_without_sleep_has_no_delay() {
    let src = r#"
async fn charge(client: &reqwest::Client) -> Result<String, reqwest::Error> {
    let mut last = None;
    for _ in 0..3 {
        match client.post("http://payments:8080/charge").send().await {
            Ok(resp) => return resp.text().await,
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap())
}
"#;
    let f = one(src);
    assert_eq!(lp(&f), "for");
    assert_eq!(text(src, f.span), "for _ in 0..3");
    assert_eq!(f.delay, Delay::None);
    assert_eq!(f.delay_span, None);
    assert!(!f.unbounded);
    assert_eq!(f.target.as_deref(), Some("http://payments:8080/charge"));
}

#[test]
fn for_inclusive_range_with_if_let_ok() {
    let src = r#"
async fn get(max: u32) -> Option<u32> {
    for attempt in 1..=max {
        if let Ok(v) = fetch().await {
            return Some(v);
        }
        tracing::warn!(attempt, "retrying");
    }
    None
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::None);
    assert_eq!(text(src, f.span), "for attempt in 1..=max");
}

// ------------------------------------------------------------ loops: delay constant

#[test]
fn constant_sleep_is_constant() {
    let src = r#"
use std::time::Duration;
async fn call() -> Result<(), E> {
    for _ in 0..5 {
        match ping().await {
            Ok(()) => return Ok(()),
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    Err(E)
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::Constant);
    assert_eq!(
        text(src, f.delay_span.unwrap()),
        "tokio::time::sleep(Duration::from_millis(500))"
    );
}

#[test]
fn sleep_of_a_const_through_use_is_constant() {
    let src = r#"
use tokio::time::{self, Duration};
const RETRY_DELAY: Duration = Duration::from_secs(1);
async fn call(delay: Duration) {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match ping().await {
            Ok(_) => break,
            Err(e) if attempts >= 3 => panic!("{e}"),
            Err(_) => time::sleep(RETRY_DELAY).await,
        }
    }
}
"#;
    let f = one(src);
    assert_eq!(lp(&f), "loop");
    assert_eq!(f.delay, Delay::Constant);
    assert!(!f.unbounded, "the guard compares the attempt counter");
}

#[test]
fn a_parameter_or_an_unchanged_variable_is_constant() {
    let src = r#"
async fn call(pause: std::time::Duration) {
    let wait = pause * 2;
    for _ in 0..3 {
        if let Ok(_) = ping().await { return; }
        tokio::time::sleep(wait).await;
    }
}
"#;
    assert_eq!(one(src).delay, Delay::Constant);
}

#[test]
fn blocking_sleep_counts_without_await() {
    let src = r#"
use std::thread;
fn call() -> Result<(), E> {
    for _ in 0..3 {
        match ureq::get("http://inventory/items").call() {
            Ok(_) => return Ok(()),
            Err(_) => thread::sleep(std::time::Duration::from_secs(1)),
        }
    }
    Err(E)
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::Constant);
    assert_eq!(f.target.as_deref(), Some("http://inventory/items"));
}

#[test]
fn an_awaited_interval_tick_is_constant() {
    let src = r#"
async fn call() {
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(1));
    for _ in 0..3 {
        ticker.tick().await;
        if let Ok(_) = ping().await { break; }
    }
}
"#;
    assert_eq!(one(src).delay, Delay::Constant);
}

// ------------------------------------------------------------- loops: delay growing

#[test]
fn pow_of_the_attempt_is_growing() {
    let src = r#"
use tokio::time::sleep;
use std::time::Duration;
async fn call() -> Result<(), E> {
    for attempt in 0..5u32 {
        match ping().await {
            Ok(v) => return Ok(v),
            Err(_) => sleep(Duration::from_millis(100 * 2u64.pow(attempt))).await,
        }
    }
    Err(E)
}
"#;
    assert_eq!(one(src).delay, Delay::Growing);
}

#[test]
fn shift_and_multiplied_delay_variable_are_growing() {
    let shift = r#"
async fn call() {
    for attempt in 0..5 {
        if let Ok(_) = ping().await { return; }
        tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
    }
}
"#;
    assert_eq!(one(shift).delay, Delay::Growing);
    let doubled = r#"
async fn call() {
    let mut delay = std::time::Duration::from_millis(100);
    let mut tries = 0;
    while let Err(e) = ping().await {
        tries += 1;
        if tries > 5 { return; }
        tokio::time::sleep(delay).await;
        delay *= 2;
    }
}
"#;
    let f = one(doubled);
    assert_eq!(lp(&f), "while-let");
    assert_eq!(f.delay, Delay::Growing);
    assert!(!f.unbounded);
    let reassigned = r#"
async fn call() {
    let mut backoff = 100;
    for _ in 0..4 {
        match ping().await {
            Ok(_) => break,
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(backoff)).await;
                backoff = (backoff * 2).min(5_000);
            }
        }
    }
}
"#;
    assert_eq!(one(reassigned).delay, Delay::Growing);
}

#[test]
fn a_let_in_the_body_computed_from_the_attempt_is_growing() {
    let src = r#"
async fn call() {
    for attempt in 1..=4 {
        match ping().await {
            Ok(_) => return,
            Err(_) => {
                let wait = BASE.saturating_mul(attempt);
                tokio::time::sleep(wait).await;
            }
        }
    }
}
"#;
    assert_eq!(one(src).delay, Delay::Growing);
}

#[test]
fn an_opaque_call_is_unknown_never_constant() {
    let src = r#"
async fn call(policy: &mut Backoff) {
    for _ in 0..4 {
        match ping().await {
            Ok(_) => return,
            Err(_) => tokio::time::sleep(policy.next_delay()).await,
        }
    }
}
"#;
    assert_eq!(one(src).delay, Delay::Unknown);
}

// ------------------------------------------------------------ helpers, one call deep

#[test]
fn backoff_computed_by_a_helper_taking_the_counter_is_growing() {
    let src = r#"
use std::time::Duration;
fn backoff_for(attempt: u32) -> Duration {
    Duration::from_millis(100 * 2u64.pow(attempt))
}
async fn call() {
    for attempt in 0..4 {
        match ping().await {
            Ok(_) => return,
            Err(_) => tokio::time::sleep(backoff_for(attempt)).await,
        }
    }
}
"#;
    assert_eq!(one(src).delay, Delay::Growing);
}

#[test]
fn a_helper_returning_a_constant_is_constant() {
    let src = r#"
use std::time::Duration;
fn retry_delay() -> Duration { Duration::from_millis(250) }
async fn call() {
    for _ in 0..4 {
        match ping().await {
            Ok(_) => return,
            Err(_) => tokio::time::sleep(retry_delay()).await,
        }
    }
}
"#;
    assert_eq!(one(src).delay, Delay::Constant);
}

#[test]
fn a_helper_that_sleeps_is_followed() {
    let growing = r#"
struct Client;
impl Client {
    async fn wait_before_retry(&self, attempt: u32) {
        let ms = 100u64 * 2u64.pow(attempt);
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    async fn call(&self) -> Result<(), E> {
        for attempt in 0..3 {
            match self.send().await {
                Ok(r) => return Ok(r),
                Err(_) => self.wait_before_retry(attempt).await,
            }
        }
        Err(E)
    }
}
"#;
    let f = one(growing);
    assert_eq!(f.delay, Delay::Growing);
    assert_eq!(
        text(growing, f.delay_span.unwrap()),
        "self.wait_before_retry(attempt)"
    );
    let constant = r#"
async fn pause(_attempt: u32) {
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
}
async fn call() {
    for attempt in 0..3 {
        match ping().await {
            Ok(_) => return,
            Err(_) => pause(attempt).await,
        }
    }
}
"#;
    assert_eq!(
        one(constant).delay,
        Delay::Constant,
        "the helper ignores the counter it is given"
    );
    let constant = r#"
async fn pause() {
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
}
async fn call() {
    for _ in 0..3 {
        match ping().await {
            Ok(_) => return,
            Err(_) => pause().await,
        }
    }
}
"#;
    assert_eq!(one(constant).delay, Delay::Constant);
}

#[test]
fn helpers_are_followed_one_call_deep_only() {
    let src = r#"
async fn outer() { inner().await }
async fn inner() { tokio::time::sleep(std::time::Duration::from_secs(1)).await }
async fn call() {
    for _ in 0..3 {
        match ping().await {
            Ok(_) => return,
            Err(_) => outer().await,
        }
    }
}
"#;
    assert_eq!(
        one(src).delay,
        Delay::Unknown,
        "two calls deep is not followed, but the failure path awaits something: unknown, never `none`"
    );
}

// ------------------------------------------------------------------- tokio::select!

#[test]
fn a_sleep_inside_select_is_the_delay() {
    let src = r#"
use std::time::Duration;
async fn call(mut shutdown: tokio::sync::watch::Receiver<bool>) -> Result<(), E> {
    let mut delay = Duration::from_millis(100);
    for _ in 0..5 {
        match ping().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown.changed() => return Err(e),
                }
                delay = delay * 2;
            }
        }
    }
    Err(E)
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::Growing);
    assert_eq!(
        text(src, f.delay_span.unwrap()),
        "tokio::time::sleep(delay)"
    );
    let constant = src.replace("delay = delay * 2;", "");
    assert_eq!(one(&constant).delay, Delay::Constant);
}

#[test]
fn a_select_used_as_a_timeout_is_not_a_delay() {
    let src = r#"
async fn call() {
    for _ in 0..3 {
        let res = tokio::select! {
            r = ping() => r,
            _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => Err(E),
        };
        match res {
            Ok(_) => return,
            Err(_) => {}
        }
    }
}
"#;
    assert_eq!(one(src).delay, Delay::None);
}

// --------------------------------------------------------------------- boundedness

#[test]
fn loops_without_an_attempt_bound_are_unbounded() {
    let forever = r#"
async fn connect() -> Conn {
    loop {
        match Conn::open("redis://cache:6379").await {
            Ok(c) => break c,
            Err(e) => {
                tracing::warn!("{e}");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}
"#;
    let f = one(forever);
    assert!(f.unbounded);
    assert_eq!(text(forever, f.span), "loop");
    assert_eq!(f.target.as_deref(), Some("redis://cache:6379"));
    let while_let = r#"
async fn call() {
    while let Err(e) = ping().await {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
"#;
    let f = one(while_let);
    assert!(f.unbounded);
    assert_eq!(text(while_let, f.span), "while let Err(e) = ping().await");
    let open_range = r#"
async fn call() {
    for _ in 0.. {
        if let Ok(_) = ping().await { break; }
    }
}
"#;
    assert!(one(open_range).unbounded);
    let deadline = r#"
async fn call(start: std::time::Instant) {
    loop {
        match ping().await {
            Ok(_) => return,
            Err(e) if start.elapsed() > LIMIT => return,
            Err(_) => {}
        }
    }
}
"#;
    assert!(!one(deadline).unbounded, "an elapsed-time check bounds it");
}

// ------------------------------------------------------------------ not retries

#[test]
fn loops_that_are_not_retries() {
    for (why, src) in [
        (
            "a loop over a collection",
            r#"async fn f(urls: Vec<String>) { for url in urls { match get(&url).await { Ok(_) => return, Err(_) => {} } } }"#,
        ),
        (
            "paging: the counter goes into the call",
            r#"async fn f(n: u32) { for page in 1..=n { match fetch(page).await { Ok(v) if v.is_empty() => break, Ok(_) => {}, Err(_) => return } } }"#,
        ),
        (
            "an event loop that only leaves conditionally on Ok",
            r#"async fn f(mut rx: Rx) { loop { match rx.recv().await { Ok(m) => { if m.last { break } handle(m) } Err(_) => break } } }"#,
        ),
        (
            "no await and no sleep",
            r#"fn f() { for _ in 0..3 { match parse() { Ok(v) => return v, Err(_) => {} } } }"#,
        ),
        (
            "no Ok/Err check: errors propagate with ?",
            r#"async fn f() -> Result<(), E> { for _ in 0..3 { ping().await?; } Ok(()) }"#,
        ),
        (
            "no success exit",
            r#"async fn f() { for _ in 0..3 { match ping().await { Ok(_) => count(), Err(_) => {} } } }"#,
        ),
        (
            "a consumer loop",
            r#"async fn f(mut s: S) { while let Some(x) = s.next().await { match x { Ok(_) => return, Err(_) => {} } } }"#,
        ),
        (
            "test code",
            r#"#[cfg(test)] mod tests { #[tokio::test] async fn t() { for _ in 0..3 { if let Ok(_) = ping().await { return; } } } }"#,
        ),
        (
            "a test function",
            r#"#[tokio::test] async fn t() { for _ in 0..3 { if let Ok(_) = ping().await { return; } } }"#,
        ),
    ] {
        assert!(facts(src).is_empty(), "{why}: {:#?}", facts(src));
    }
}

#[test]
fn continue_on_err_then_a_final_exit_is_a_success_exit() {
    let src = r#"
async fn call() -> Result<R, E> {
    for _ in 0..3 {
        let res = ping().await;
        if let Err(e) = &res {
            tracing::warn!("{e}");
            continue;
        }
        return res;
    }
    Err(E)
}
"#;
    assert_eq!(one(src).delay, Delay::None);
}

#[test]
fn a_status_check_in_the_ok_arm_is_a_success_exit() {
    let src = r#"
async fn call(c: &reqwest::Client) {
    for _ in 0..3 {
        match c.get(URL).send().await {
            Ok(resp) => {
                if resp.status().is_success() {
                    return;
                }
            }
            Err(_) => {}
        }
    }
}
const URL: &str = "https://api.example.com/v1/items";
"#;
    let f = one(src);
    assert_eq!(
        f.target.as_deref(),
        Some("https://api.example.com/v1/items")
    );
}

#[test]
fn a_retry_loop_inside_a_macro_body_is_found() {
    let src = r#"
fn events() -> impl Stream<Item = u32> {
    async_stream::stream! {
        for _ in 0..3 {
            match ping().await {
                Ok(v) => { yield v; break; }
                Err(_) => {}
            }
        }
    }
}
"#;
    let _ = facts(src); // `yield` does not parse as a statement outside a generator: no panic.
}

// ---------------------------------------------------------------------- crates

#[test]
fn backoff_crate_strategies() {
    let src = r#"
use backoff::ExponentialBackoff;
use backoff::backoff::{Constant, Zero};
async fn a() { backoff::future::retry(ExponentialBackoff::default(), op).await; }
async fn b() { backoff::future::retry(Constant::new(std::time::Duration::from_secs(1)), op).await; }
async fn c() { backoff::future::retry(Zero {}, op).await; }
fn d() -> ExponentialBackoff { ExponentialBackoff { max_elapsed_time: None, ..Default::default() } }
"#;
    let all = facts(src);
    let delays: Vec<_> = all
        .iter()
        .map(|f| (krate(f).0, f.delay, f.unbounded))
        .collect();
    assert_eq!(
        delays,
        [
            ("backoff", Delay::Growing, false),
            ("backoff", Delay::Constant, false),
            ("backoff", Delay::None, false),
            ("backoff", Delay::Growing, true),
        ]
    );
}

#[test]
fn backon_builders() {
    let src = r#"
use backon::{ConstantBuilder, ExponentialBuilder, FibonacciBuilder, Retryable};
async fn a() { fetch.retry(ExponentialBuilder::default().with_max_times(5)).await; }
async fn b() { fetch.retry(ConstantBuilder::default().with_delay(std::time::Duration::from_millis(200))).await; }
async fn c() { fetch.retry(&FibonacciBuilder::default()).await; }
async fn d() { fetch.retry(ExponentialBuilder::default().without_max_times()).await; }
"#;
    let all = facts(src);
    let got: Vec<_> = all.iter().map(|f| (f.delay, f.unbounded)).collect();
    assert_eq!(
        got,
        [
            (Delay::Growing, false),
            (Delay::Constant, false),
            (Delay::Growing, false),
            (Delay::Growing, true),
        ]
    );
    assert_eq!(
        text(src, all[1].span),
        "ConstantBuilder::default().with_delay(std::time::Duration::from_millis(200))"
    );
    assert_eq!(krate(&all[0]), ("backon", "backon::ExponentialBuilder"));
}

#[test]
fn tokio_retry_take_bounds_it() {
    let bounded = r#"
use tokio_retry::{Retry, strategy::{ExponentialBackoff, FixedInterval, jitter}};
async fn a() {
    let s = ExponentialBackoff::from_millis(10).map(jitter).take(3);
    Retry::spawn(s, action).await;
}
async fn b() {
    Retry::spawn(FixedInterval::from_millis(100).take(5), || client.get("http://stock:9000/").send()).await;
}
async fn c() {
    let s = FixedInterval::from_millis(100);
    Retry::spawn(s.take(2), action).await;
}
fn d() -> FixedInterval { FixedInterval::from_millis(10) }
"#;
    let all = facts(bounded);
    let got: Vec<_> = all.iter().map(|f| (f.delay, f.unbounded)).collect();
    assert_eq!(
        got,
        [
            (Delay::Growing, false),
            (Delay::Constant, false),
            (Delay::Constant, false),
            (Delay::Constant, false),
        ],
        "{all:#?}"
    );
    assert_eq!(all[1].target.as_deref(), Some("http://stock:9000/"));

    let endless = r#"
use tokio_retry::Retry;
use tokio_retry::strategy::FixedInterval as Fixed;
async fn a() { Retry::spawn(Fixed::from_millis(100), action).await; }
async fn b() {
    let strategy = tokio_retry::strategy::ExponentialBackoff::from_millis(10);
    tokio_retry::RetryIf::spawn(strategy, action, cond).await;
}
"#;
    let all = facts(endless);
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|f| f.unbounded), "{all:#?}");
    assert_eq!(
        krate(&all[0]),
        ("tokio-retry", "tokio_retry::strategy::FixedInterval")
    );
    assert_eq!(all[1].delay, Delay::Growing);
}

#[test]
fn reqwest_retry_again_and_reqwest_client_retries() {
    let src = r#"
use reqwest_retry::{policies::ExponentialBackoff, RetryTransientMiddleware};
use again::RetryPolicy;
fn client() {
    let policy = ExponentialBackoff::builder().build_with_max_retries(3);
    let _m = RetryTransientMiddleware::new_with_policy(policy);
    let _a = RetryPolicy::exponential(std::time::Duration::from_millis(100));
    let _b = RetryPolicy::fixed(std::time::Duration::from_millis(100));
    let _c = reqwest::Client::builder()
        .retry(reqwest::retry::for_host("api.example.com").max_retries_per_request(2))
        .build();
}
"#;
    let all = facts(src);
    let got: Vec<_> = all.iter().map(|f| (krate(f).0, f.delay)).collect();
    assert_eq!(
        got,
        [
            ("reqwest-retry", Delay::Growing),
            ("again", Delay::Growing),
            ("again", Delay::Constant),
            ("reqwest", Delay::None),
        ]
    );
    assert_eq!(all[3].target.as_deref(), Some("api.example.com"));
}

#[test]
fn an_unimported_bare_name_prefers_the_crate_the_file_uses() {
    let src = r#"
use tokio_retry::Retry;
async fn a() { Retry::spawn(strategy::FixedInterval::from_millis(5), act).await; }
"#;
    // `strategy::FixedInterval` is not imported: matched by its last segments.
    let f = one(src);
    assert_eq!(krate(&f).0, "tokio-retry");
    assert!(f.unbounded);
}

#[test]
fn a_local_type_with_a_catalogue_name_is_not_a_strategy_when_imported_elsewhere() {
    let src = r#"
use crate::policy::ExponentialBackoff;
fn a() { let _ = ExponentialBackoff::default(); }
"#;
    assert!(facts(src).is_empty());
}

#[test]
fn tower_retry_policies() {
    let immediate = r#"
use tower::retry::Policy;
use futures::future;
#[derive(Clone)]
struct Attempts(usize);
impl<Req: Clone, Res, E> Policy<Req, Res, E> for Attempts {
    type Future = future::Ready<()>;
    fn retry(&mut self, _req: &mut Req, result: &mut Result<Res, E>) -> Option<Self::Future> {
        match result {
            Ok(_) => None,
            Err(_) if self.0 > 0 => { self.0 -= 1; Some(future::ready(())) }
            Err(_) => None,
        }
    }
    fn clone_request(&mut self, req: &Req) -> Option<Req> { Some(req.clone()) }
}
"#;
    let f = one(immediate);
    assert_eq!(f.delay, Delay::None);
    assert_eq!(krate(&f), ("tower", "tower::retry::Policy"));
    assert_eq!(
        text(immediate, f.span),
        "impl<Req: Clone, Res, E> Policy<Req, Res, E> for Attempts"
    );

    let sleeping = r#"
use tower::retry::Policy;
use std::{pin::Pin, future::Future, time::Duration};
#[derive(Clone)]
struct Backoff { attempt: u32 }
impl<Req: Clone, Res, E> Policy<Req, Res, E> for Backoff {
    type Future = Pin<Box<dyn Future<Output = ()> + Send>>;
    fn retry(&mut self, _req: &mut Req, result: &mut Result<Res, E>) -> Option<Self::Future> {
        if result.is_ok() || self.attempt >= 5 { return None; }
        self.attempt += 1;
        Some(Box::pin(tokio::time::sleep(Duration::from_millis(50 * 2u64.pow(self.attempt)))))
    }
    fn clone_request(&mut self, req: &Req) -> Option<Req> { Some(req.clone()) }
}
"#;
    assert_eq!(one(sleeping).delay, Delay::Growing);
    let fixed = sleeping.replace("50 * 2u64.pow(self.attempt)", "250");
    assert_eq!(one(&fixed).delay, Delay::Constant);
}

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
    // `backoff` starts at 8, `{ a }` spans 20..25, `for` starts at 26.
    assert!(!words.may_loop((1, 20), (1, 25)));
    assert!(words.may_loop((1, 20), (1, 27)));
    assert!(!words.may_name_strategy((1, 20), (1, 25)));
    assert!(words.may_name_strategy((1, 8), (1, 9)));
    assert!(!words.may_name_strategy((1, 9), (1, 25)));
    assert!(!words.may_loop((2, 7), (2, 12)));
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
