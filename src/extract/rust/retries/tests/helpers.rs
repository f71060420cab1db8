//! Retry helpers that take the work as a closure (sync and async), and loops written
//! with `let .. else`.

use super::*;

#[test]
fn a_sync_helper_with_a_blocking_sleep_is_a_retry() {
    let src = r#"
pub fn retry<T, E, F: FnMut() -> Result<T, E>>(mut f: F, max: u32) -> Result<T, E> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match f() {
            Ok(v) => return Ok(v),
            Err(e) if attempt >= max => return Err(e),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(200)),
        }
    }
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::Constant);
    assert!(!f.unbounded);
    assert_eq!(f.reaches.as_deref(), Some("calls parameter `f`"));
    assert_eq!(f.helper.as_deref(), Some("retry"));
}

#[test]
fn a_sync_helper_without_a_sleep_is_a_retry_without_delay() {
    let src = r#"
pub fn with_retries<T, E>(op: impl Fn() -> Result<T, E>) -> Result<T, E> {
    let mut last = None;
    for _ in 0..3 {
        match op() {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap())
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::None);
    assert_eq!(f.helper.as_deref(), Some("with_retries"));
    // A plain loop over a local computation, no parameter called: not a retry.
    let plain = src.replace("match op()", "match compute()");
    assert!(facts(&plain).is_empty());
}

#[test]
fn an_async_helper_calling_a_sync_closure_with_tokio_sleep_is_a_retry() {
    let src = r#"
pub async fn retry_async<T, E, F>(mut f: F) -> Result<T, E>
where
    F: FnMut() -> Result<T, E>,
{
    let mut delay = std::time::Duration::from_millis(50);
    for attempt in 0..5 {
        if let Ok(v) = f() {
            return Ok(v);
        }
        tokio::time::sleep(delay).await;
        delay *= 2;
        let _ = attempt;
    }
    f()
}
"#;
    let f = one(src);
    assert_eq!(f.delay, Delay::Growing);
    assert_eq!(f.helper.as_deref(), Some("retry_async"));
}

#[test]
fn let_err_else_break_then_a_retry() {
    let src = r#"
async fn push(client: &reqwest::Client) {
    loop {
        let Err(e) = client.post("http://hooks/").send().await else { break };
        tracing::warn!("push failed: {e}");
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
"#;
    let f = one(src);
    assert_eq!(lp(&f), "loop");
    assert_eq!(f.delay, Delay::Constant);
    assert!(f.unbounded);
    assert_eq!(f.helper, None);
}

#[test]
fn let_ok_else_continue_then_a_return() {
    let src = r#"
async fn fetch(client: &reqwest::Client) -> Option<String> {
    for _ in 0..3 {
        let Ok(resp) = client.get("http://catalog/").send().await else { continue };
        return resp.text().await.ok();
    }
    None
}
"#;
    let f = one(src);
    assert_eq!(lp(&f), "for");
    assert_eq!(f.delay, Delay::None);
    assert!(!f.unbounded);
    // `let .. else` on the next item of a stream is consumption, not a retry.
    let stream = r#"
async fn drain(mut rx: tokio::sync::mpsc::Receiver<Result<u8, ()>>) {
    loop {
        let Some(Err(e)) = rx.recv().await else { break };
        tracing::warn!("bad item {e:?}");
    }
}
"#;
    assert!(facts(stream).is_empty());
}
