//! Loops that are retries but not endless: they stop with their task (a cancellation
//! token, a shutdown receiver), supervise a task, or poll for a condition.

use super::*;

fn unbounded(src: &str) -> bool {
    one(src).unbounded
}

#[test]
fn a_shutdown_receiver_in_select_stops_the_loop() {
    let watch = r#"
async fn deliver(client: &reqwest::Client, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        match client.post("http://inbox/").send().await {
            Ok(_) => return,
            Err(_) => tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                _ = shutdown.changed() => return,
            },
        }
    }
}
"#;
    assert!(!unbounded(watch));
    let borrowed = r#"
async fn deliver(client: &reqwest::Client, stop_rx: tokio::sync::watch::Receiver<bool>) {
    loop {
        match client.post("http://inbox/").send().await {
            Ok(_) => return,
            Err(_) => {
                if *stop_rx.borrow() { return; }
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}
"#;
    assert!(!unbounded(borrowed));
    // A channel named for something else does not stop the loop.
    let other = watch.replace("shutdown", "config");
    assert!(unbounded(&other));
}

#[test]
fn an_is_cancelled_check_stops_the_loop() {
    let src = r#"
async fn deliver(client: &reqwest::Client, token: CancellationToken) {
    loop {
        if token.is_cancelled() { return; }
        match client.post("http://inbox/").send().await {
            Ok(_) => return,
            Err(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
        }
    }
}
"#;
    assert!(!unbounded(src));
}

#[test]
fn a_supervisor_restarting_a_task_is_not_unbounded() {
    let spawned = r#"
async fn supervise() {
    loop {
        let handle = tokio::spawn(run_worker());
        match handle.await {
            Ok(()) => break,
            Err(e) => {
                tracing::error!("worker panicked: {e}");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}
"#;
    assert!(!unbounded(spawned));
    let caught = r#"
fn supervise() {
    loop {
        match std::panic::catch_unwind(|| run_worker()) {
            Ok(()) => break,
            Err(_) => std::thread::sleep(std::time::Duration::from_secs(1)),
        }
    }
}
"#;
    assert!(!unbounded(caught));
    // The same loop around a plain call is an endless retry.
    let plain = spawned.replace("tokio::spawn(run_worker())", "run_worker()");
    assert!(unbounded(&plain));
}

#[test]
fn a_poller_that_waits_after_success_too_is_not_unbounded() {
    let src = r#"
async fn wait_until_done(client: &reqwest::Client, url: &str) {
    loop {
        match client.get(url).send().await {
            Ok(resp) if resp.status() == 200 => return,
            Ok(_) => tracing::debug!("not done yet"),
            Err(e) => tracing::warn!("poll failed: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
}
"#;
    assert!(!unbounded(src));
    // Sleeping only after an error: a success that is not done spins, an error retries
    // forever.
    let err_only = r#"
async fn wait_until_done(client: &reqwest::Client, url: &str) {
    loop {
        match client.get(url).send().await {
            Ok(resp) if resp.status() == 200 => return,
            Ok(_) => tracing::debug!("not done yet"),
            Err(e) => {
                tracing::warn!("poll failed: {e}");
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            }
        }
    }
}
"#;
    assert!(unbounded(err_only));
    // A success that leaves under a status check is a retry on bad statuses.
    let status = r#"
async fn push(client: &reqwest::Client, url: &str) {
    loop {
        match client.post(url).send().await {
            Ok(resp) => {
                if resp.status().is_success() { return; }
            }
            Err(e) => tracing::warn!("push failed: {e}"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
}
"#;
    assert!(unbounded(status));
}

// ---------------------------------------------------------------- waits, deadlines, start-up

#[test]
fn a_written_constant_wait_has_its_seconds() {
    let cases = [
        (
            "tokio::time::sleep(Duration::from_secs(600)).await;",
            Some(600.0),
        ),
        (
            "tokio::time::sleep(Duration::from_millis(250)).await;",
            Some(0.25),
        ),
        (
            "tokio::time::sleep(Duration::from_secs(10 * 60)).await;",
            Some(600.0),
        ),
        (
            "tokio::time::sleep(Duration::new(2, 500_000_000)).await;",
            Some(2.5),
        ),
        ("tokio::time::sleep(PAUSE).await;", Some(90.0)),
        (
            "let d = Duration::from_secs(5); tokio::time::sleep(d).await;",
            Some(5.0),
        ),
        ("tokio::time::sleep(pause).await;", None),
        ("tokio::time::sleep(Duration::from_secs(n)).await;", None),
    ];
    for (sleep, want) in cases {
        let src = format!(
            "const PAUSE: Duration = Duration::from_secs(90);\nasync fn f(pause: Duration, n: u64) {{ for _ in 0..3 {{ match ping().await {{ Ok(_) => return, Err(_) => {{ {sleep} }} }} }} }}"
        );
        let f = one(&src);
        assert_eq!(f.delay, Delay::Constant, "{sleep}");
        assert_eq!(f.delay_seconds, want, "{sleep}");
    }
    // Of two constant waits, the shorter; a growing wait has none.
    let two = "async fn f() { for _ in 0..3 { match ping().await { Ok(_) => return, Err(Kind::Busy) => tokio::time::sleep(Duration::from_secs(120)).await, Err(_) => tokio::time::sleep(Duration::from_secs(1)).await } } }";
    assert_eq!(one(two).delay_seconds, Some(1.0));
    let growing = "async fn f() { let mut d = Duration::from_secs(1); for _ in 0..3 { match ping().await { Ok(_) => return, Err(_) => { tokio::time::sleep(d).await; d *= 2; } } } }";
    assert_eq!(one(growing).delay_seconds, None);
}

#[test]
fn a_loop_limited_only_by_a_total_time_is_a_deadline_wait() {
    let elapsed = "async fn f() { let start = Instant::now(); loop { match ping().await { Ok(_) => break, Err(e) if start.elapsed() > MAX => return, Err(_) => tokio::time::sleep(D).await } } }";
    let f = one(elapsed);
    assert!(f.deadline && !f.unbounded);
    let timed = "async fn f() { tokio::time::timeout(T, async { loop { match ping().await { Ok(_) => break, Err(_) => tokio::time::sleep(D).await } } }).await; }";
    let f = one(timed);
    assert!(f.deadline && !f.unbounded);
    let counted = "async fn f() { let start = Instant::now(); let mut n = 0; loop { n += 1; match ping().await { Ok(_) => break, Err(e) if n > 3 || start.elapsed() > MAX => return, Err(_) => tokio::time::sleep(D).await } } }";
    assert!(!one(counted).deadline, "a counter bounds it too");
    let ranged = "async fn f() { let start = Instant::now(); for _ in 0..5 { match ping().await { Ok(_) => break, Err(e) if start.elapsed() > MAX => return, Err(_) => tokio::time::sleep(D).await } } }";
    assert!(!one(ranged).deadline, "a range bounds it");
}

#[test]
fn a_loop_in_main_outside_its_tasks_runs_at_start_up() {
    let inline = "#[tokio::main] async fn main() { for _ in 0..10 { match ready().await { Ok(_) => break, Err(_) => tokio::time::sleep(D).await } } }";
    assert!(one(inline).startup);
    let spawned = "#[tokio::main] async fn main() { tokio::spawn(async move { for _ in 0..10 { match ready().await { Ok(_) => break, Err(_) => tokio::time::sleep(D).await } } }); }";
    assert!(
        !one(spawned).startup,
        "a spawned task lives beside the service"
    );
    let method = "impl Node { async fn main(&self) { for _ in 0..10 { match ready().await { Ok(_) => break, Err(_) => tokio::time::sleep(D).await } } } }";
    assert!(
        !one(method).startup,
        "a method named main is not a binary's entry"
    );
    let other = "async fn serve() { for _ in 0..10 { match ready().await { Ok(_) => break, Err(_) => tokio::time::sleep(D).await } } }";
    assert!(!one(other).startup);
}

#[test]
fn a_loop_that_stops_on_a_state_question_is_bounded() {
    let offline = "async fn f() { loop { if is_offline() { break; } match set_online().await { Ok(_) => break, Err(_) => tokio::time::sleep(D).await } } }";
    assert!(!one(offline).unbounded);
    let stopped = "async fn f(&self) { loop { if !self.running.load(Ordering::Relaxed) { return; } match set_online().await { Ok(_) => break, Err(_) => tokio::time::sleep(D).await } } }";
    assert!(!one(stopped).unbounded);
    // Not questions about the program's state: a flag the body sets, an awaited
    // question, the attempt's own call.
    let flag = "async fn f() { let mut done = false; loop { if done { break; } match set_online().await { Ok(_) => { done = true; break; } Err(_) => tokio::time::sleep(D).await } } }";
    assert!(one(flag).unbounded);
    let awaited = "async fn f() { loop { if healthy().await { break; } match set_online().await { Ok(_) => break, Err(_) => tokio::time::sleep(D).await } } }";
    assert!(one(awaited).unbounded);
    let same = "fn f() { loop { if set_online().is_ok() { break; } match set_online() { Ok(_) => break, Err(_) => std::thread::sleep(D) } } }";
    assert!(one(same).unbounded);
}
