//! What a mutation is: the write evidence of a handler, in its body or two calls down.

use super::*;

fn writes(srcs: &[&str]) -> Vec<(Option<String>, Option<String>)> {
    link_srcs(srcs)
        .into_iter()
        .map(|r| (r.handler, r.writes))
        .collect()
}

fn w(handler: &str, how: Option<&str>) -> (Option<String>, Option<String>) {
    (Some(handler.to_string()), how.map(str::to_string))
}

#[test]
fn sql_calls_and_raw_strings_in_macros_are_writes_selects_are_not() {
    let src = r##"fn app() -> Router {
    Router::new()
        .route("/a", post(a))
        .route("/b", post(b))
        .route("/c", post(c))
        .route("/d", post(d))
}
async fn a(db: Db) { sqlx::query("insert into t values ($1)").execute(&db).await; }
async fn b(db: Db) { sqlx::query!(r#"UPDATE t
    SET x = 1"#).fetch_one(&db).await; }
async fn c(db: Db) -> Json<Vec<Row>> { Json(sqlx::query_as("SELECT * FROM t WHERE updated").fetch_all(&db).await.unwrap()) }
async fn d(state: State) { state.queue.publish(msg).await; }
"##;
    assert_eq!(
        writes(&[src]),
        vec![
            w("a", Some("call execute")),
            w("b", Some("sql update * set")),
            w("c", None),
            w("d", Some("call publish")),
        ]
    );
}

#[test]
fn callees_count_two_levels_down_across_files_not_three() {
    let router = r#"fn app() -> Router {
    Router::new().route("/two", post(two)).route("/three", post(three))
}
async fn two() { service::run().await }
async fn three() { deep::one().await }"#;
    let service = r#"pub async fn run() { repo::keep().await }
pub async fn keep() { diesel::insert_into(t::table).values(&v).execute(&mut c) }"#;
    let deep = r#"pub async fn one() { two_down().await }
async fn two_down() { three_down().await }
async fn three_down() { diesel::delete(t::table).execute(&mut c) }"#;
    assert_eq!(
        writes(&[router, service, deep]),
        vec![w("two", Some("call execute (in keep)")), w("three", None),]
    );
}

#[test]
fn unseen_handlers_stay_subjects_inert_ones_are_no_routes() {
    let src = r#"fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/hook", web::post().to(partner::receive))
        .route("/old", web::post().to(HttpResponse::NotFound));
}"#;
    assert_eq!(
        writes(&[src]),
        vec![w("receive", Some("handler not in the scanned code"))]
    );
}

#[test]
fn write_verbs_match_by_prefix() {
    let src = r#"fn app() -> Router {
    Router::new().route("/u", post(create_user)).route("/s", post(search))
}
async fn create_user(db: Db) { users::create_user(&db).await }
async fn search(db: Db) { index.lookup(&q).await }"#;
    assert_eq!(
        writes(&[src]),
        vec![
            w("create_user", Some("call create_user")),
            w("search", None)
        ]
    );
    let src = r#"fn app() -> Router { Router::new().route("/u", post(sign_up)) }
async fn sign_up(db: Db) { users::create_user(&db).await }"#;
    assert_eq!(writes(&[src]), vec![w("sign_up", Some("call create_user"))]);
}
