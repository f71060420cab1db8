//! Publishes order events to the event gateway.

use tokio_retry::strategy::{jitter, ExponentialBackoff};
use tokio_retry::Retry;

pub const EVENTS_URL: &str = "http://events.shop:8080/publish";

/// Backs off exponentially, but never gives up: without `.take(n)` a dead
/// gateway keeps this task (and the order it carries) alive forever.
pub async fn publish(http: &reqwest::Client, event: String) -> reqwest::Result<()> {
    let strategy = ExponentialBackoff::from_millis(50).map(jitter);
    Retry::spawn(strategy, || async {
        http.post(EVENTS_URL).body(event.clone()).send().await.map(|_| ())
    })
    .await
}

/// The same, bounded to five attempts.
pub async fn publish_bounded(http: &reqwest::Client, event: String) -> reqwest::Result<()> {
    let strategy = ExponentialBackoff::from_millis(50).map(jitter).take(5);
    Retry::spawn(strategy, || async {
        http.post(EVENTS_URL).body(event.clone()).send().await.map(|_| ())
    })
    .await
}

pub const STOCK_URL: &str = "http://stock-feed.shop:8080/subscribe";

/// Subscribes to restock events: retried until it succeeds, every second on the dot,
/// so after a feed outage every checkout replica reconnects in step.
pub async fn subscribe_restocks(http: &reqwest::Client) -> reqwest::Response {
    loop {
        match http.get(STOCK_URL).send().await {
            Ok(resp) if resp.status().is_success() => return resp,
            _ => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
        }
    }
}

/// The client both publishers are given. Nobody bounded it, and no mesh route to
/// the event gateway sets a timeout either: no layer covers these calls.
pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}
