//! Retry loops: each delay class, helpers one call deep, `select!`, boundedness, and loops that are not retries.

use super::*;

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
    // A reconnect loop that waits out its backoff listening to its session and returns
    // when the session drops its sender stops with the session.
    let session = r#"
async fn relay(mut out_rx: Receiver<Item>) {
    loop {
        match connect_once("wss://hub.example/join").await {
            Ok(()) => return,
            Err(e) => {
                let delay = tokio::time::sleep(backoff.next_delay());
                tokio::pin!(delay);
                tokio::select! {
                    () = &mut delay => {}
                    item = out_rx.recv() => match item {
                        Some(item) => stash(item),
                        None => return,
                    },
                }
            }
        }
    }
}
"#;
    assert!(
        !one(session).unbounded,
        "the closed session channel ends it"
    );
    // Receiving without returning on a closed channel does not end it.
    let drains = session.replace("None => return,", "None => {}");
    assert!(one(&drains).unbounded);
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
