//! Retry crates: backoff, backon, tokio-retry, reqwest-retry, again, tower policies, and name resolution.

use super::*;

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

#[test]
fn crate_prefilter_needs_a_path_segment_not_only_the_crate() {
    let cat = RetryCatalog::builtin();
    // An HTTP client's file names `reqwest` but none of its retry paths: no crate walk.
    let client =
        "use reqwest::Client;\nfn c() -> Client { reqwest::Client::builder().build().unwrap() }";
    assert!(!cat.may_be_used_in(client, &[]));
    // Its retry module, written whole, imported, or reached through the module.
    for src in [
        "fn c() { reqwest::Client::builder().retry(reqwest::retry::for_host(\"a\")); }",
        "use reqwest::retry::for_host;",
        "use reqwest::{retry, Client};",
    ] {
        assert!(cat.may_be_used_in(src, &[]), "{src}");
    }
    // A crate whose paths start at an item of its root (`backoff::ExponentialBackoff`)
    // is used where that item is named.
    assert!(cat.may_be_used_in("use backoff::{ExponentialBackoff, future::retry};", &[]));
    // Under the name `Cargo.toml` gives it (`again = { package = "tokio-retry" }`).
    let renamed = "use again::strategy::FixedInterval;";
    assert!(cat.may_be_used_in(renamed, &[("again", "tokio-retry")]));
    assert!(!cat.may_be_used_in("use retry3::strategy::FixedInterval;", &[]));
    assert!(cat.may_be_used_in(
        "use retry3::strategy::FixedInterval;",
        &[("retry3", "tokio-retry")]
    ));
}
