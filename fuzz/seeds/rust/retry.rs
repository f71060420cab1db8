use std::time::Duration;
use backoff::ExponentialBackoff;

async fn fetch(client: &reqwest::Client) -> Result<String, reqwest::Error> {
    let mut attempt = 0;
    loop {
        match client.get("http://stock/items").send().await {
            Ok(r) => return r.text().await,
            Err(e) if attempt < 5 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt))).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn policy() -> ExponentialBackoff {
    ExponentialBackoff { max_elapsed_time: Some(Duration::from_secs(10)), ..Default::default() }
}

async fn again(c: &reqwest::Client) {
    let op = || async { c.put("http://x/y").send().await.map_err(backoff::Error::transient) };
    let _ = backoff::future::retry(policy(), op).await;
    while let Err(_) = c.delete("http://x/z").send().await {}
    for _ in 0..3 { let _ = tokio_retry::Retry::spawn(tokio_retry::strategy::FixedInterval::from_millis(10).take(3), || c.get("u").send()).await; }
}
