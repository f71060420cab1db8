//! A crate doc.
/// A documented client.
pub async fn fetch() -> Result<(), reqwest::Error> {
    let client = reqwest::Client::new(); // no timeout
    client.get("http://api:8080/x").send().await?;
    Ok(())
}

#[cfg(test)]
#[allow(unused)]
pub(crate) mod tests {
    /// Doc inside.
    const RAW: &str = r#"} { "#;
    const C: char = '}';
    #[test]
    fn t() { let _ = '{'; }
}
