//! Every framework form and evidence form on small sources, positive and negative,
//! and the spans (the fixtures are judged by `tests/rules.rs`).

mod axum;
mod odd;
mod others;
mod writes;

use super::*;

fn sum_with(cat: &RoutesCatalog, src: &str) -> FileRoutes {
    let file =
        syn::parse_file(src).unwrap_or_else(|e| panic!("test source does not parse: {e}\n{src}"));
    summarize(&file, src, cat)
}

fn link_srcs(srcs: &[&str]) -> Vec<RouteFact> {
    let cat = RoutesCatalog::builtin();
    let files: Vec<FileRoutes> = srcs.iter().map(|s| sum_with(&cat, s)).collect();
    link(&files, &cat)
}

/// (method, path, handler, covered_by) of each route, in order.
type Row = (String, Option<String>, Option<String>, Option<String>);

fn rows(srcs: &[&str]) -> Vec<Row> {
    link_srcs(srcs)
        .into_iter()
        .map(|r| (r.method, r.path, r.handler, r.covered_by))
        .collect()
}

fn row(method: &str, path: Option<&str>, handler: Option<&str>, covered: Option<&str>) -> Row {
    (
        method.to_string(),
        path.map(str::to_string),
        handler.map(str::to_string),
        covered.map(str::to_string),
    )
}

/// The text under each route's span.
fn span_texts(src: &str) -> Vec<String> {
    link_srcs(&[src])
        .into_iter()
        .map(|r| src[r.span.start..r.span.end].to_string())
        .collect()
}

const PLAIN_HANDLERS: &str = r#"
async fn create(Json(body): Json<NewOrder>) -> StatusCode { StatusCode::CREATED }
async fn update() {}
async fn show() {}
async fn list() {}
async fn replace() {}
async fn remove() {}
"#;

fn with_handlers(router: &str) -> String {
    format!("{router}\n{PLAIN_HANDLERS}")
}
