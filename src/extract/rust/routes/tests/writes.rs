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
            w("a", Some("sql insert into")),
            w("b", Some("sql update * set")),
            w("c", None),
            w("d", Some("call queue.publish")),
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
        vec![w("two", Some("call .execute (in keep)")), w("three", None),]
    );
}

#[test]
fn unseen_handlers_stay_subjects_inert_ones_are_no_routes() {
    let src = r#"fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/inbox", web::post().to(partner::receive))
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
            w("create_user", Some("call users::create_user")),
            w("search", None)
        ]
    );
    let src = r#"fn app() -> Router { Router::new().route("/u", post(sign_up)) }
async fn sign_up(db: Db) { users::create_user(&db).await }"#;
    assert_eq!(
        writes(&[src]),
        vec![w("sign_up", Some("call users::create_user"))]
    );
}

#[test]
fn runtime_calls_a_write_prefix_matches_are_no_writes() {
    // vaultwarden's `conn.run(..)` wraps every query in `block_in_place`: `block_*`
    // (for `block_user`) made every handler touching the database a writer.
    let src = r#"fn app() -> Router {
    Router::new().route("/r", post(read)).route("/b", post(ban))
}
async fn read(db: Db) { tokio::task::block_in_place(|| db.load()) }
async fn ban(db: Db) { rt.block_on(async { db.block_user(id).await }) }"#;
    assert_eq!(
        writes(&[src]),
        vec![w("read", None), w("ban", Some("call Db::block_user"))]
    );
}

/// (handler, covered_by) of each route, in order.
fn covers(srcs: &[&str]) -> Vec<(Option<String>, Option<String>)> {
    link_srcs(srcs)
        .into_iter()
        .map(|r| (r.handler, r.covered_by))
        .collect()
}

#[test]
fn upserts_and_absolute_sets_two_calls_down_repeat_safely() {
    let router = r#"fn app() -> Router {
    Router::new()
        .route("/records", post(upload))
        .route("/password", patch(change_password))
        .route("/tags", post(tag))
        .route("/mixed", post(mixed))
}
async fn upload(db: Db, Json(r): Json<Vec<Rec>>) { db.add_records(&r).await; metrics.increment(1); }
async fn change_password(db: Db) { crate::auth::change_password(&db).await; }
async fn tag(c: Conn) {
    diesel::insert_into(tags::table).values(&t).on_conflict(tags::id).do_nothing().execute(&mut c);
}
async fn mixed(db: Db) { db.add_records(&r).await; crate::auth::change_password(&db).await; }"#;
    let pg = r#"impl Database for Postgres {
    async fn add_records(&self, r: &[Rec]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("insert into store (id, data) values ($1, $2)
            on conflict do nothing").bind(r.id).execute(&mut *tx).await?;
        sqlx::query("insert into heads (k, idx) values ($1, $2)
            on conflict(k) do update set idx = greatest(heads.idx, $2)").execute(&mut *tx).await?;
        tx.commit().await
    }
}"#;
    let auth = r##"pub async fn change_password(db: &Db) {
    sqlx::query!(r#"UPDATE users SET password_hash = $1 WHERE id = $2"#, h, id).execute(db).await;
}"##;
    assert_eq!(
        covers(&[router, pg, auth]),
        vec![
            (s("upload"), s("upsert on conflict (in Db::add_records)")),
            (
                s("change_password"),
                s("sets a value (in auth::change_password)")
            ),
            (s("tag"), s("upsert on conflict")),
            (s("mixed"), s("upsert on conflict (in Db::add_records)")),
        ]
    );
}

#[test]
fn relative_updates_plain_inserts_and_unseen_write_calls_repeat_twice() {
    let router = r#"fn app() -> Router {
    Router::new()
        .route("/like", post(like))
        .route("/audit", post(audited))
        .route("/both", post(both))
        .route("/unseen", post(unseen))
        .route("/publish", post(publish_it))
}
async fn like(db: Db) {
    sqlx::query("INSERT INTO likes (post, n) VALUES ($1, 1) ON CONFLICT (post) DO UPDATE SET n = likes.n + 1").execute(&db).await;
}
async fn audited(db: Db) { set_name(&db).await; audit::record_change(&db).await; }
async fn set_name(db: &Db) { sqlx::query("UPDATE users SET name = $1").execute(db).await; }
async fn both(c: Conn) {
    c.transaction(|c| {
        diesel::insert_into(a::table).values(&x).execute(c)?;
        diesel::insert_into(b::table).values(&y).on_conflict(b::id).do_nothing().execute(c)
    });
}
async fn unseen(db: Db) { db.upsert_settings(&s).await; }
async fn publish_it(db: Db, bus: Bus) { set_name(&db).await; bus.publish(msg).await; }"#;
    assert_eq!(
        covers(&[router]),
        vec![
            (s("like"), None),
            (s("audited"), None),
            (s("both"), None),
            (s("unseen"), None),
            (s("publish_it"), None),
        ]
    );
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

#[test]
fn module_qualifiers_flash_messages_and_response_headers_are_no_writes() {
    let src = r#"fn app() -> Router { Router::new().route("/a", post(a)).route("/b", post(b)) }
async fn a(db: Db) -> Json<X> { Json(store::load(&db).await) }
async fn b() -> HttpResponse {
    FlashMessage::info("saved").send();
    HttpResponse::SeeOther().insert_header((LOCATION, "/")).finish()
}"#;
    assert_eq!(writes(&[src]), vec![w("a", None), w("b", None)]);
}

#[test]
fn constructors_are_not_followed_when_judging_a_repeat() {
    // `Argon2::new` is not the settings loader's `new`, which writes a file; names are
    // matched, not resolved, so constructors (`[writes] not-followed`) are not followed.
    let src = r#"fn app() -> Router { Router::new().route("/password", post(change)) }
async fn change(db: Db, Json(p): Json<String>) {
    let h = hash(&p);
    sqlx::query("UPDATE users SET hash = $1").bind(h).execute(&db).await;
}
fn hash(p: &str) -> String { Argon2::new().hash(p) }
impl Settings { fn new() -> Settings { std::fs::write_all("settings.toml", "").unwrap(); Settings } }"#;
    assert_eq!(covers(&[src]), vec![(s("change"), s("sets a value"))]);
}

#[test]
fn diesel_updates_of_given_values_set_them_relative_ones_do_not() {
    let src = r#"fn app() -> Router {
    Router::new()
        .route("/profile", patch(profile))
        .route("/form", post(form))
        .route("/login-count", post(count))
}
async fn profile(mut c: Conn, Json(p): Json<Profile>) {
    diesel::update(users::table.find(p.id))
        .set((users::name.eq(&p.name), users::bio.eq(&p.bio)))
        .execute(&mut c)
        .await?;
}
async fn form(mut c: Conn, Json(f): Json<UserForm>) { diesel::update(users::table).set(&f).execute(&mut c)?; }
async fn count(mut c: Conn) {
    diesel::update(users::table).set(users::logins.eq(users::logins + 1)).execute(&mut c)?;
}"#;
    assert_eq!(
        covers(&[src]),
        vec![
            (s("profile"), s("sets a value")),
            (s("form"), s("sets a value")),
            (s("count"), None),
        ]
    );
}

#[test]
fn a_write_method_follows_the_type_its_variable_was_made_as() {
    // `save` of the folder, an upsert, not `Event::save`, a plain insert: the variable
    // (not named after its type) is a `Folder` by what makes it, through `match` arms
    // that agree.
    let src = r#"fn app() -> Router {
    Router::new().route("/f", post(rename)).route("/g", post(log))
}
async fn rename(db: Db, Json(n): Json<String>) {
    let mut x = match Folder::find(&db, 1).await { Some(f) => f, None => Folder::blank() };
    x.name = n;
    x.save(&db).await;
}
async fn log(db: Db) { let e = Event::blank(); e.save(&db).await; }
impl Folder {
    async fn save(&self, db: &Db) {
        sqlx::query("insert into folders (id, name) values ($1, $2) on conflict (id) do update set name = excluded.name").execute(db).await;
    }
}
impl Event {
    async fn save(&self, db: &Db) { sqlx::query("insert into events (at) values (now())").execute(db).await; }
}"#;
    assert_eq!(
        covers(&[src]),
        vec![
            (s("rename"), s("upsert on conflict (in Folder::save)")),
            (s("log"), None),
        ]
    );
}

#[test]
fn a_warm_link_decodes_only_the_evidence_a_route_reaches() {
    let router = r#"fn app() -> Router {
    Router::new().route("/orders", post(create))
}
async fn create(db: Db) { save_order(&db).await }
async fn save_order(db: &Db) { sqlx::query("insert into orders values ($1)").execute(db).await; }"#;
    let others = r#"pub async fn report(db: &Db) { sqlx::query("delete from old").execute(db).await; }
pub struct Folder;
impl Folder {
    pub async fn save(&self, db: &Db) {
        diesel::delete(f::table.filter(f::user.eq(self.user))).execute(db);
        diesel::insert_into(f::table).values(self).on_conflict(f::id).do_nothing().execute(db);
    }
    pub fn new() -> Folder { Folder }
}"#;
    let cat = RoutesCatalog::builtin();
    let made: Vec<FileRoutes> = [router, others].iter().map(|s| sum_with(&cat, s)).collect();
    // As a warm run reads them: each file's facts from the cache's encoding.
    let read: Vec<FileRoutes> = made
        .iter()
        .map(|f| postcard::from_bytes(&postcard::to_stdvec(f).unwrap()).unwrap())
        .collect();
    assert!(read
        .iter()
        .flat_map(|f| &f.fns)
        .all(|i| i.evidence_encoded()));
    assert_eq!(link(&read, &cat), link(&made, &cat), "the same facts");
    let encoded = |name: &str| {
        read.iter()
            .flat_map(|f| &f.fns)
            .filter(|i| i.name == name)
            .all(|i| i.evidence_encoded())
    };
    assert!(!encoded("create") && !encoded("save_order"), "reached");
    for name in ["report", "save", "new", "app"] {
        assert!(
            encoded(name),
            "{name} is not reached: its evidence stays encoded"
        );
    }
    // What the index needs of an unreached body, kept beside its name.
    let save = |f: &FileRoutes| f.fns.iter().find(|i| i.name == "save").unwrap().replaces();
    assert!(
        save(&made[1]) && save(&read[1]),
        "replaces by a natural key"
    );
    assert!(encoded("save"), "known without decoding");
}

#[test]
fn transaction_calls_and_statements_that_write_no_row_are_no_writes() {
    let src = r##"fn app() -> Router {
    Router::new()
        .route("/a", post(a))
        .route("/b", post(b))
        .route("/c", post(c))
        .route("/d", post(d))
        .route("/e", post(e))
}
async fn a(db: Db) { let mut tx = db.begin().await?; tx.commit().await?; }
async fn b(conn: Conn) { conn.execute("COMMIT TRANSACTION", []).unwrap(); }
async fn c(db: Db) { sqlx::query("SELECT pg_advisory_lock($1)").bind(7).execute(&db).await; }
async fn d(repo: Repo) { repo.commit(Some("HEAD"), &sig, &sig, "msg", &tree, &[&parent]).unwrap(); }
async fn e(db: Db) { let mut tx = db.begin().await?; sqlx::query("DELETE FROM t").execute(&mut *tx).await?; tx.commit().await?; }
"##;
    assert_eq!(
        writes(&[src]),
        vec![
            w("a", None),
            w("b", None),
            w("c", None),
            w("d", Some("call Repo::commit")),
            w("e", Some("sql delete from")),
        ]
    );
}

#[test]
fn calls_in_markup_macros_are_scanned_at_every_depth() {
    // A template DSL's body does not parse as code; its nested brace groups are
    // scanned as tokens (not parsed again one level down each), and their calls count.
    let src = r##"fn app() -> Router {
    Router::new().route("/page", post(page)).route("/plain", post(plain))
}
async fn page(db: Db) -> Html {
    html! {
        { <div class="x" onclick={ move |_| { db.delete_user(id) } }> "hi" </div> }
    }
}
async fn plain() -> Html { html! { { <div> { "read only" } </div> } } }
"##;
    assert_eq!(
        writes(&[src]),
        vec![w("page", Some("call delete_user")), w("plain", None)]
    );
}
