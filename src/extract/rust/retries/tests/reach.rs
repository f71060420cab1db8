//! What a loop retries: in-file evidence ([`crate::extract::rust::retries::reach::in_loop`])
//! and the package-level decision ([`Reach`]).

use super::*;
use crate::extract::rust::retries::reach::{Reach, Reached};

/// The facts with the client catalogue's crates known, as the extractor has them.
fn facts_with_clients(src: &str) -> Vec<RetryFact> {
    let file = syn::parse_file(src).expect("test source parses");
    let mut catalog = RetryCatalog::builtin();
    for root in ["reqwest", "sqlx", "redis"] {
        catalog.integration_roots.insert(root.to_string());
    }
    retries(&file, src, &catalog)
}

fn only(src: &str) -> RetryFact {
    let mut all = facts_with_clients(src);
    assert_eq!(
        all.len(),
        1,
        "one retry fact expected in:\n{src}\ngot {all:#?}"
    );
    all.remove(0)
}

fn nothing() -> Reach {
    Reach::new(&[], no_fns(), Default::default())
}

#[test]
fn a_local_operation_is_local() {
    let f = only(
        "use std::sync::Arc;
        fn take(mut shared: Arc<Vec<u8>>) -> Vec<u8> {
            loop {
                match Arc::try_unwrap(shared) {
                    Ok(buf) => return buf,
                    Err(again) => { shared = again; std::thread::sleep(std::time::Duration::from_millis(5)); }
                }
            }
        }",
    );
    assert_eq!(f.reaches, None);
    assert!(f.calls.contains(&"try_unwrap".to_string()), "{:?}", f.calls);
    assert!(matches!(nothing().of(0, &f), Reached::Local(_)));
}

#[test]
fn a_client_field_parameter_or_let_is_an_integration_point() {
    let field = only(
        "struct Mailer { http: reqwest::Client }
        impl Mailer {
            async fn send(&self) {
                for _ in 0..3 {
                    match self.http.post(\"http://mail/send\").send().await { Ok(_) => return, Err(_) => {} }
                }
            }
        }",
    );
    assert_eq!(
        field.reaches.as_deref(),
        Some("calls `post` on `reqwest::Client`")
    );
    let param = only(
        "use std::sync::Arc;
        async fn send(http: &Arc<reqwest::Client>) {
            for _ in 0..3 {
                match http.get(\"http://mail/\").send().await { Ok(_) => return, Err(_) => {} }
            }
        }",
    );
    assert_eq!(
        param.reaches.as_deref(),
        Some("calls `get` on `reqwest::Client`")
    );
    let built = only(
        "async fn cache() {
            let client = redis::Client::open(\"redis://cache\").unwrap();
            loop {
                match client.get_multiplexed_async_connection().await { Ok(c) => break c, Err(_) => {} }
            }
        }",
    );
    assert_eq!(
        built.reaches.as_deref(),
        Some("calls `get_multiplexed_async_connection` on `redis::Client::open`")
    );
    assert_eq!(
        nothing().of(0, &built),
        Reached::Integration(built.reaches.clone().unwrap())
    );
}

#[test]
fn a_catalogued_crate_path_is_an_integration_point() {
    let f = only(
        "use sqlx::query;
        async fn mark(pool: &Pool) {
            for _ in 0..3 {
                match query(\"UPDATE t SET a = 1\").execute(pool).await { Ok(_) => return, Err(_) => {} }
            }
        }",
    );
    assert_eq!(f.reaches.as_deref(), Some("calls `sqlx::query`"));
}

#[test]
fn a_package_function_that_reaches_a_request_two_calls_down() {
    let f = only(
        "impl Outbox {
            async fn all(&self) {
                for _ in 0..3 {
                    if let Ok(()) = self.deliver().await { return; }
                }
            }
        }",
    );
    assert_eq!(f.reaches, None);
    let requests = [(0, Span::new(0, 1), Some("clients::notify".to_string()))];
    let reach = Reach::new(
        &requests,
        [("deliver", vec!["debug", "notify"])]
            .into_iter()
            .map(|(n, c)| (n, c.into_iter())),
        Default::default(),
    );
    assert_eq!(
        reach.of(0, &f),
        Reached::Integration("calls `deliver`, which calls `notify`".to_string())
    );
    // Three calls down is beyond the depth: local.
    let far = Reach::new(
        &requests,
        [
            ("deliver", vec!["a"]),
            ("a", vec!["b"]),
            ("b", vec!["notify"]),
        ]
        .into_iter()
        .map(|(n, c)| (n, c.into_iter())),
        Default::default(),
    );
    assert!(matches!(far.of(0, &f), Reached::Local(_)));
}

#[test]
fn a_request_inside_the_loop_in_another_file_does_not_count() {
    let src = "async fn f(c: &Thing) {
        for _ in 0..3 {
            match c.fetch().await { Ok(_) => return, Err(_) => {} }
        }
    }";
    let f = only(src);
    let at = src.find("c.fetch").unwrap();
    let span = Span::new(at, at + 9);
    let here = Reach::new(&[(0, span, None)], no_fns(), Default::default());
    assert_eq!(
        here.of(0, &f),
        Reached::Integration("makes a client request".to_string())
    );
    assert!(matches!(here.of(1, &f), Reached::Local(_)));
}

#[test]
fn a_helper_calling_its_parameter_is_decided_by_its_callers() {
    let f = only(
        "fn retry<T, E>(mut op: impl FnMut() -> Result<T, E>) -> Result<T, E> {
            let mut n = 0;
            loop {
                n += 1;
                match op() { Ok(v) => return Ok(v), Err(e) if n > 3 => return Err(e), Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)) }
            }
        }",
    );
    assert_eq!(f.reaches.as_deref(), Some("calls parameter `op`"));
}

#[test]
fn a_network_path_is_an_integration_point() {
    let f = only(
        "async fn wait(host: &str) {
            loop {
                match tokio::net::TcpStream::connect((host, 5432)).await {
                    Ok(_) => break,
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
                }
            }
        }",
    );
    assert_eq!(
        f.reaches.as_deref(),
        Some("calls `tokio::net::TcpStream::connect`")
    );
    // A Unix socket is this host: not a network path.
    let unix = only(
        "async fn wait(path: &str) {
            loop {
                match tokio::net::UnixStream::connect(path).await {
                    Ok(_) => break,
                    Err(_) => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
                }
            }
        }",
    );
    assert_eq!(unix.reaches, None);
}

#[test]
fn functions_of_the_file_the_loop_calls_are_looked_into() {
    let f = only(
        "struct Sync { http: reqwest::Client }
        impl Sync {
            async fn run(&self) {
                for _ in 0..3 {
                    if let Ok(()) = self.once().await { return; }
                }
            }
            async fn once(&self) -> Result<(), reqwest::Error> { step(&self.http).await }
        }
        async fn step(http: &reqwest::Client) -> Result<(), reqwest::Error> {
            http.get(\"http://a/\").send().await.map(|_| ())
        }",
    );
    assert_eq!(
        f.reaches.as_deref(),
        Some("calls `get` on `reqwest::Client`")
    );
    assert!(f.calls.contains(&"once".to_string()), "{:?}", f.calls);
}

#[test]
fn below_compares_whole_segments() {
    use crate::extract::rust::retries::catalog::below;
    let path = |p: &str| p.split("::").map(str::to_string).collect::<Vec<_>>();
    assert!(below(&path("tokio::sync::Mutex"), "tokio::sync"));
    assert!(below(&path("tokio::sync"), "tokio::sync"));
    assert!(!below(&path("tokio::synced::Mutex"), "tokio::sync"));
    assert!(!below(&path("tokio"), "tokio::sync"));
}

#[test]
fn a_helper_counts_its_call_sites_by_name() {
    let f = only(
        "pub fn retry<T, E>(mut f: impl FnMut() -> Result<T, E>) -> Result<T, E> {
            for _ in 0..3 {
                if let Ok(v) = f() { return Ok(v); }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            f()
        }",
    );
    assert_eq!(f.helper.as_deref(), Some("retry"));
    let counts = [("retry".to_string(), 2)].into_iter().collect();
    let reach = Reach::new(&[], no_fns(), counts);
    assert_eq!(reach.call_sites(&f), Some(2));
    let none = Reach::new(&[], no_fns(), Default::default());
    assert_eq!(none.call_sites(&f), Some(0));
    let plain = only(
        "async fn f(c: &Thing) {
            for _ in 0..3 {
                match c.fetch().await { Ok(_) => return, Err(_) => {} }
            }
        }",
    );
    assert_eq!(reach.call_sites(&plain), None);
}

/// One file's facts as the extractor summarises it, with the built-in catalogue.
fn summarized(src: &str) -> crate::extract::rust::FileFacts {
    let catalog = crate::engine::load_catalog(&crate::config::Config::default()).expect("catalog");
    let ctx = crate::extract::rust::Ctx {
        catalog: &catalog,
        deps: None,
        max_tokens: crate::extract::rust::scan::MAX_TOKENS,
    };
    let source = SourceFile::new("lib.rs".into(), "lib.rs".into(), src.to_string());
    crate::extract::rust::summarize(&source, &ctx).expect("summarised")
}

#[test]
fn helper_call_sites_count_the_package_and_its_dependents() {
    use crate::extract::rust::read_deps;
    use crate::extract::rust::retries::reach::helper_call_sites;
    let utils = summarized(
        "pub fn retry<T, E>(mut f: impl FnMut() -> Result<T, E>) -> Result<T, E> {
            for _ in 0..3 {
                if let Ok(v) = f() { return Ok(v); }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            f()
        }
        pub fn warm() { let _ = retry(|| Ok::<(), ()>(())); }",
    );
    let caller =
        "fn a() { let _ = retry(|| Ok::<(), ()>(())); let _ = retry(|| Err::<(), ()>(())); }";
    let app = summarized(caller);
    let other = summarized(caller);
    let utils_deps = read_deps("[package]\nname = \"my-utils\"\n").unwrap();
    let app_deps = read_deps(
        "[package]\nname = \"app\"\n[dependencies]\nmy-utils = { path = \"../utils\" }\n",
    )
    .unwrap();
    let other_deps = read_deps("[package]\nname = \"other\"\n").unwrap();
    let (u, a, o) = ([(0, utils)], [(1, app)], [(2, other)]);
    let counts = helper_call_sites(&[
        (Some(&utils_deps), &u[..]),
        (Some(&app_deps), &a[..]),
        (Some(&other_deps), &o[..]),
    ]);
    // One call in its own package, two in the package depending on it; the package
    // that does not depend on it has a `retry` of its own.
    assert_eq!(counts[0].get("retry"), Some(&3));
    assert!(counts[1].is_empty() && counts[2].is_empty());
}

#[test]
fn a_retried_post_records_its_method_and_key() {
    let mut catalog = RetryCatalog::builtin();
    catalog.integration_roots.insert("reqwest".to_string());
    catalog.key_headers.push("idempotency-key".to_string());
    let src = "async fn pay(http: &reqwest::Client, key: &str) {
        for _ in 0..3 {
            match http.post(\"http://pay/\").header(\"Idempotency-Key\", key).send().await { Ok(_) => return, Err(_) => {} }
        }
    }";
    let file = syn::parse_file(src).unwrap();
    let f = retries(&file, src, &catalog).remove(0);
    assert_eq!(f.method.as_deref(), Some("POST"));
    assert_eq!(f.key.as_deref(), Some("header idempotency-key"));
    let bare = src.replace(".header(\"Idempotency-Key\", key)", "");
    let file = syn::parse_file(&bare).unwrap();
    let f = retries(&file, &bare, &catalog).remove(0);
    assert_eq!((f.method.as_deref(), f.key), (Some("POST"), None));
    // A GET, or a `post` on something that is no catalogued client: no method.
    let get = bare.replace("http.post(", "http.get(");
    let file = syn::parse_file(&get).unwrap();
    assert_eq!(retries(&file, &get, &catalog).remove(0).method, None);
    let form = bare.replace("reqwest::Client", "Form");
    let file = syn::parse_file(&form).unwrap();
    assert_eq!(retries(&file, &form, &catalog).remove(0).method, None);
}

/// A package without functions, for [`Reach::new`].
fn no_fns() -> impl Iterator<Item = (&'static str, std::vec::IntoIter<&'static str>)> {
    std::iter::empty()
}
