//! Books each order in the ledger. The ledger is slow at month end, so someone gave
//! it 8 seconds: longer than the storefront gateway waits for checkout (5 s), so
//! checkout keeps waiting on the ledger for shoppers who got a 504 long ago
//! (cross/timeout-inversion).

use std::time::Duration;

pub const LEDGER_URL: &str = "http://ledger.shop:8080/entries";

pub struct Ledger {
    http: reqwest::Client,
}

impl Ledger {
    pub fn new() -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(8))
            .build()?;
        Ok(Self { http })
    }

    /// Records an order's total.
    pub async fn book(&self, order_id: u64, cents: u64) -> anyhow::Result<()> {
        let entry = format!("{order_id}:{cents}");
        self.http.put(LEDGER_URL).body(entry).send().await?;
        Ok(())
    }
}
