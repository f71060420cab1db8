//! A service that calls others.
use std::time::Duration;

use reqwest::{Client, StatusCode};
use tower::{ServiceBuilder, timeout::TimeoutLayer};

const TIMEOUT_MS: u64 = 1_500;

pub struct Api<'a> {
    http: Client,
    base: &'a str,
}

impl<'a> Api<'a> {
    pub fn new(base: &'a str) -> reqwest::Result<Self> {
        let http = Client::builder()
            .connect_timeout(Duration::from_millis(TIMEOUT_MS))
            .build()?;
        Ok(Api { http, base })
    }

    pub async fn create(&self, body: &str) -> reqwest::Result<StatusCode> {
        let r = self.http.post(format!("{}/orders", self.base))
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .body(body.to_owned())
            .send()
            .await?;
        Ok(r.status())
    }
}

pub fn stack() {
    let _svc = ServiceBuilder::new()
        .layer(TimeoutLayer::new(Duration::from_secs(2)))
        .service_fn(|req: http::Request<()>| async move { Ok::<_, std::convert::Infallible>(req) });
    let raw = r#"a "quoted" {{ }} | < ( "#;
    let _ = (raw, b'x', '\'', 1u8 as u32, &mut [0; 4][..]);
}
