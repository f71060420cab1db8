//! The `[writes]` table of the routes catalogue: what a mutation is, and what a
//! repeat of one does.

use serde::Deserialize;

use super::add;

/// Write evidence (see `[writes]` in the built-in file).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Writes {
    /// SQL phrases, compared case-insensitively on whole words; ` * ` stands for any text.
    pub sql: Vec<String>,
    /// Function and method names that write; a trailing `*` matches any rest.
    pub calls: Vec<String>,
    /// Handlers that only answer (`HttpResponse::NotFound`), by their last segment.
    pub inert_handlers: Vec<String>,
    /// SQL phrases of an insert the database dedups on a key (`on conflict`).
    pub sql_upserts: Vec<String>,
    /// SQL phrases a `SET` list follows (`update * set`, `on duplicate key update`).
    pub sql_sets: Vec<String>,
    /// SQL functions whose result is stable on a repeat even when computed from the
    /// column itself (`greatest(t.idx, $1)`).
    pub sql_set_keeps: Vec<String>,
    /// Calls that run the SQL text of their body (`execute`, `commit`): no write of
    /// their own where the body holds a write statement.
    pub sql_runners: Vec<String>,
    /// First words of SQL statements that write no row (`commit`, `select`,
    /// `pragma`): a runner given one as its text (`conn.execute("COMMIT", [])`) runs
    /// that statement, not a write.
    pub sql_inert_statements: Vec<String>,
    /// Calls that begin or end a transaction (`txn.commit()`, `conn.transaction()`):
    /// given no argument they write nothing of their own; the statements run in the
    /// transaction are the writes. Given arguments (`repo.commit(.., &tree, ..)`) they
    /// stay what `calls` says.
    pub transaction_calls: Vec<String>,
    /// Calls that make the insert of their method chain an upsert (diesel and sea-orm
    /// `.on_conflict(..)`).
    pub upsert_calls: Vec<String>,
    /// ORM update chains (`root * setter`): a chain rooted at a call of `root` holding
    /// a `setter` call (`diesel::update(t).set(col.eq(v))`) sets given values unless a
    /// `col.eq(..)` computes the column from itself.
    pub set_chains: Vec<String>,
    /// Words naming a fencing column (`generation`, `version`): counting one up beside
    /// a given value (`Enabled := v, EvaluationGeneration := EvaluationGeneration + 1`)
    /// only tells readers that the row changed, so the chain still sets given values.
    pub fencing_columns: Vec<String>,
    /// Calls not followed into the workspace when judging what a repeat does:
    /// constructors and conversions (`Argon2::new`) that most types share, so their
    /// name reaches unrelated functions.
    pub not_followed: Vec<String>,
    /// Calls, types and methods that write nothing: a call of one is no write, nor is
    /// a write call on a method chain holding one (`FlashMessage::error(..).send()`).
    pub not_writes: Vec<String>,
    /// Calls that make a new identity on the server (`Uuid::new_v4()`, `get_uuid()`):
    /// a record created with one is a new record on every repeat, whatever it is
    /// saved with. A `Type::f` entry matches that call only, a bare name any call.
    pub new_ids: Vec<String>,
    /// Names of ids made for telemetry, not for a record (`generate_trace_id`,
    /// `new_span_id`; a `*` matches any text): a `new-ids` pattern matching one is
    /// no new record.
    pub telemetry_ids: Vec<String>,
    /// Names of ids made for a message sent out, not for a record (an ActivityPub
    /// activity's `generate_activity_id`; a `*` matches any text): a `new-ids` pattern
    /// matching one is no new record.
    pub message_ids: Vec<String>,
    /// Calls that delete (a `*` matches any text): an ORM chain starting from one
    /// (diesel `delete(t.filter(..))`), or a call of one not in sight
    /// (`operator.delete_with(path)`). A repeat finds nothing more to delete.
    pub deletes: Vec<String>,
    /// Methods that write a value under a key when given two arguments
    /// (`map.insert(k, v)`, `tree.put(k, v)`): a repeat overwrites the same key.
    pub keyed_calls: Vec<String>,
    /// Functions computing what a reconcile must add (`relations_to_create(&existing,
    /// &desired)`, a `*` matching any text): an insert given their answer writes only
    /// the rows missing, and a repeat finds none missing.
    pub diff_calls: Vec<String>,
    /// Functions that write a value under a key when called through a module's path
    /// with two arguments or more (`queue::put(key, value, watch, None)`): as
    /// `keyed_calls`, for a store's free functions.
    pub keyed_functions: Vec<String>,
    /// Request builders that write one object under the key they are given, `root *
    /// setter`: a chain from a `root()` call holding a `setter(key)` call (the S3 SDK's
    /// `client.put_object().bucket(b).key(k).body(data).send()`): a repeat writes the
    /// same object under the same key. A key made fresh for the request is a new
    /// identity, judged as such.
    pub keyed_builders: Vec<String>,
    /// Calls a repeat runs again without applying the change twice: an audit row per
    /// request, a change notification to the user's own clients. Left out when judging
    /// what a repeat does; a `*` matches any text.
    pub repeat_harmless: Vec<String>,
    /// Types whose values live in memory (`HashMap`, `HeaderMap`): a write-named
    /// method on a variable of one (`headers.insert(k, v)`) writes nothing. A type
    /// named after one (`FxHashMap`, an alias `RwHashMap`) is one too.
    pub in_memory_types: Vec<String>,
    /// Types that hold one value for the process or for sharing (`LazyLock`,
    /// `OnceLock`, `RwLock`, `Arc`): a `static`, field, parameter or annotated `let`
    /// of one holding an in-memory type (`static CACHE: LazyLock<RwLock<HashMap<..>>>`)
    /// is process state, and a write-named call on it (`CACHE.write().await.insert(k, v)`)
    /// writes nothing durable.
    pub in_memory_holders: Vec<String>,
    /// In-memory types whose methods hand out parts of the same registry (a DataFusion
    /// `SessionContext`'s catalogs and schemas): a write-named call on such a part
    /// (`ctx.catalog("datafusion").unwrap().register_schema(..)`) writes nothing either.
    /// Not the collections: an element of a `Vec` or `HashMap` may be a record whose
    /// `save(conn)` writes.
    pub in_memory_registries: Vec<String>,
    /// Calls that set given values, so a repeat sets them again: a `Type::m` entry
    /// matches that write method (a sea-orm `ActiveModel`'s `update` writes the columns
    /// `Set` on it), a bare name (a `*` matches any text) a write call whose body is not
    /// in sight (another crate's `config.set_client_id(id)`).
    pub sets: Vec<String>,
    /// Names in a `match` arm's pattern or guard that catch a unique-key violation
    /// (diesel `UniqueViolation`, sqlx `is_unique_violation()`): an arm of one that
    /// answers an error, on a match over the first write of a body, refuses a repeat.
    pub refusals: Vec<String>,
    /// Words an error answer's text says a record exists with (`already exists`,
    /// compared case-insensitively): an arm catching the error of the first write of a
    /// body that answers such an error (`Err(e) => bad_request("Role already exists")`)
    /// says the write refuses a duplicate, so a repeat is refused.
    pub refusal_texts: Vec<String>,
    /// Calls answering a client error (`HttpResponse::bad_request(..)`, `conflict`), by
    /// their last segment: returned where a lookup through a module's function found
    /// the record, before any write, they refuse a repeat (see
    /// `evidence/module_refusal.rs`).
    pub error_answers: Vec<String>,
    /// Bare names that write when called through a module's path (`db::user::add(&u)`),
    /// though no write-named method: `a.add(b)` is arithmetic, a store module's `add`
    /// stores (`evidence/calls.rs`), and a refused lookup of that module before it
    /// refuses a repeat (`evidence/module_refusal.rs`).
    pub module_writes: Vec<String>,
    /// Request-builder methods and method names that make an outbound request a read
    /// (`client.get(url).send()`, `request(Method::GET, url)`, a helper called with
    /// `"GET"`): a `send()` without arguments on such a request writes nothing.
    pub read_requests: Vec<String>,
    /// Functions of a type that look a record up (`find*`): a constructor of that type
    /// called where the lookup found none (`None => T::new(..)`) makes a record once.
    pub lookups: Vec<String>,
    /// ORM filter methods selecting the rows whose column differs from a value
    /// (diesel `col.is_distinct_from(v)`, `col.ne(v)`): the count of an update
    /// filtered by one says whether the request changed anything.
    pub change_filters: Vec<String>,
    /// Path segments naming a delete (`delete`, `remove`): an outbound request sent to
    /// a literal path with one (`POST {relay}/push/delete/{id}`) deletes what it names.
    pub delete_segments: Vec<String>,
    /// Last path segments of an OAuth token endpoint (`token` of `/connect/token`): a
    /// request sent there from a body naming `grant_type` asks for a credential.
    pub token_paths: Vec<String>,
    /// Mail crates (`lettre`): in a file that imports one, a `send` with arguments
    /// (`transport.send(email)`) hands a mail to a person. A repeat sends a second
    /// copy, which the reader sees and ignores: no change applied twice.
    pub mail_crates: Vec<String>,
    /// Names of functions that answer rather than act (`get_*`, `check_*`): called
    /// into a closed-source stub, whose body is not in sight, no write (with `lookups`).
    pub stub_reads: Vec<String>,
    /// The methods of those crates' transports that send a mail (`send`, `send_raw`).
    pub mail_sends: Vec<String>,
}

impl Writes {
    /// Adds the entries of `o` (a user's `[writes]`) that each list lacks
    /// ([`super::RoutesCatalog::extend`]).
    pub(super) fn extend(&mut self, o: Writes) {
        add(&mut self.sql, o.sql);
        add(&mut self.calls, o.calls);
        add(&mut self.inert_handlers, o.inert_handlers);
        add(&mut self.sql_upserts, o.sql_upserts);
        add(&mut self.sql_sets, o.sql_sets);
        add(&mut self.sql_set_keeps, o.sql_set_keeps);
        add(&mut self.sql_runners, o.sql_runners);
        add(&mut self.sql_inert_statements, o.sql_inert_statements);
        add(&mut self.transaction_calls, o.transaction_calls);
        add(&mut self.upsert_calls, o.upsert_calls);
        add(&mut self.set_chains, o.set_chains);
        add(&mut self.fencing_columns, o.fencing_columns);
        add(&mut self.not_followed, o.not_followed);
        add(&mut self.not_writes, o.not_writes);
        add(&mut self.new_ids, o.new_ids);
        add(&mut self.telemetry_ids, o.telemetry_ids);
        add(&mut self.message_ids, o.message_ids);
        add(&mut self.deletes, o.deletes);
        add(&mut self.keyed_calls, o.keyed_calls);
        add(&mut self.diff_calls, o.diff_calls);
        add(&mut self.keyed_functions, o.keyed_functions);
        add(&mut self.keyed_builders, o.keyed_builders);
        add(&mut self.repeat_harmless, o.repeat_harmless);
        add(&mut self.in_memory_types, o.in_memory_types);
        add(&mut self.in_memory_holders, o.in_memory_holders);
        add(&mut self.in_memory_registries, o.in_memory_registries);
        add(&mut self.sets, o.sets);
        add(&mut self.refusals, o.refusals);
        add(&mut self.refusal_texts, o.refusal_texts);
        add(&mut self.error_answers, o.error_answers);
        add(&mut self.module_writes, o.module_writes);
        add(&mut self.read_requests, o.read_requests);
        add(&mut self.lookups, o.lookups);
        add(&mut self.change_filters, o.change_filters);
        add(&mut self.delete_segments, o.delete_segments);
        add(&mut self.token_paths, o.token_paths);
        add(&mut self.mail_crates, o.mail_crates);
        add(&mut self.stub_reads, o.stub_reads);
        add(&mut self.mail_sends, o.mail_sends);
    }
}
