//! Outbound clients. The inventory client has a deadline; the others do not.

use std::time::Duration;

pub const INVENTORY_URL: &str = "http://inventory.shop:8080/reserve";
pub const FRAUD_URL: &str = "http://fraud-check.payments:8080/score";

pub struct Inventory {
    http: reqwest::Client,
}

pub struct Fraud {
    http: reqwest::Client,
}

impl Inventory {
    /// Inventory answers within 300 ms at p99: two seconds is generous.
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("inventory client");
        Self { http }
    }

    /// Reserves stock; retried on failure with a fixed half-second pause.
    pub async fn reserve(&self, sku: &str) -> anyhow::Result<()> {
        let mut last = None;
        for _attempt in 0..3 {
            match self.http.post(INVENTORY_URL).body(sku.to_string()).send().await {
                Ok(resp) if resp.status().is_success() => return Ok(()),
                Ok(resp) => last = Some(anyhow::anyhow!("inventory said {}", resp.status())),
                Err(e) => last = Some(e.into()),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("no attempt made")))
    }
}

impl Fraud {
    /// Fraud scoring: nobody set a timeout, so a stuck model server stalls checkout.
    pub fn new() -> Self {
        Self { http: reqwest::Client::new() }
    }

    /// Scores an order; hammered in a tight loop when the model server hiccups.
    pub async fn score(&self, order_id: u64) -> anyhow::Result<f64> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.http.get(FRAUD_URL).query(&[("order", order_id)]).send().await {
                Ok(resp) => return Ok(resp.json::<f64>().await?),
                Err(e) if attempts < 5 => {
                    eprintln!("fraud score failed, retrying: {e}");
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}
