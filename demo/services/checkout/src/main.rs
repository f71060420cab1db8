//! Checkout: takes orders from the storefront, reserves stock, charges payments.

mod clients;
mod events;
mod ledger;
mod payments;
mod receipts;
mod routes;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let state = routes::AppState::new()?;
    let app = routes::router(state);
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    axum::serve(listener, app).await?;
    Ok(())
}
