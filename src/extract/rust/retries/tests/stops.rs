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
