//! Payments: charged through a circuit breaker, with exponential backoff.

use std::time::Duration;

use failsafe::futures::CircuitBreaker;
use failsafe::Config;

pub const CHARGE_URL: &str = "http://payments.payments:8080/charge";

pub struct Payments {
    http: reqwest::Client,
    breaker: failsafe::StateMachine<failsafe::failure_policy::ConsecutiveFailures<failsafe::backoff::EqualJittered>, ()>,
}

impl Payments {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(3))
                .build()?,
            breaker: Config::new().build(),
        })
    }

    /// Charges an order; the request is made one function down from the breaker.
    pub async fn charge(&self, order_id: u64, key: &str) -> anyhow::Result<()> {
        let mut delay = Duration::from_millis(100);
        for _ in 0..4 {
            match self.breaker.call(self.charge_once(order_id, key)).await {
                Ok(_) => return Ok(()),
                Err(_) => {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
            }
        }
        anyhow::bail!("payments unavailable")
    }

    async fn charge_once(&self, order_id: u64, key: &str) -> reqwest::Result<reqwest::Response> {
        self.http
            .post(CHARGE_URL)
            .header("Idempotency-Key", key)
            .body(order_id.to_string())
            .send()
            .await
    }
}
