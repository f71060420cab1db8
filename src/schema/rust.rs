//! The document each `.rs` file's facts become (`platform = "rust"`), as built by
//! `crate::extract::rust::link`. A test runs the extractor over the Rust fixtures
//! and the demo and fails on any key this table does not declare.

use super::{Field, Shape, Ty};

const CLIENT: &[Field] = &[
    Field::new("api", Ty::Text, "the catalogue entry of the client (`reqwest::Client`)"),
    Field::new("constructor", Ty::Text, "the constructor called (`reqwest::Client::builder`)"),
    Field::new("default", Ty::Text, "the library's default timeout, in words (`it has no timeout by default`)"),
    Field::new("timeout", Ty::Text, "present when a timeout bounds the client: how (`a timeout is set on the builder`), at that call"),
    Field::new("timeout-evidence", Ty::OneOf(&["builder-timeout", "request-timeout", "wrapped-in-timeout", "target-uri", "configurable", "library-default"]), "with `timeout`: the kind of evidence found, the strongest first (a builder timeout, a timeout on every request, a timeout wrapper or layer or a connection pool's checkout, a timeout in the target URI, a timeout set only when configured, the library's default); the rule decides which kinds it accepts"),
    Field::new("timeout-disabled", Ty::Text, "present when code turns the timeout off (`.timeout(None)`), at that call"),
    Field::new("unbounded-connection", Ty::Text, "present when a call opens a connection that has no timeout although the client's others have one (a synchronous redis `get_connection()`), and no wrapper or pool checkout bounds the client: the call, at that call"),
    Field::new("target", Ty::Text, "the address called, when a literal or a constant"),
    Field::new("covered-by", Ty::Text, "present when no timeout is set in code but every mesh or gateway route of every call's path sets one: which (`timeout` is then set too)"),
    Field::new("other-layers", Ty::Text, "present when no timeout is set in code and no other layer covers every call either: why, for messages"),
    Field::new("local", Ty::Text, "present when its address or connector is this host or a Unix socket (its calls are no remote integration): which"),
    Field::new("connect-only", Ty::Text, "present when, with no timeout, the builder bounds only connecting (`.connect_timeout(..)`, the catalogue's `connect-timeout`), which a slow response outlasts: the words for the message"),
    Field::new("streaming", Ty::Text, "present when a function making its requests reads the response as a stream (`.bytes_stream()`, `.eventsource()`, `Accept: text/event-stream`): the advice for the message"),
    Field::new("server-timeout", Ty::Text, "present when only requests a server-side timeout layer with a duration always set (a literal, or a configuration's field) bounds use the client (`router.layer(TimeoutLayer::new(Duration::from_secs(30)))`, the routes catalogue's `request-timeout-layers`): every request made from it (or, with none in sight, its construction) is in a route's handler of that server (or a function a timed raw service's `service_fn` closure hands its requests to) or a function only such handlers run: why"),
    Field::new("function-timeout", Ty::Text, "present when the client's package runs as a serverless function (the clients catalogue's `[[function-runtime]]`: a file hands its handler to `lambda_runtime::run`, `lambda_http::run`) and starts no listener of its own (`TcpListener::bind`, `axum::serve`, `.serve(addr)`): the platform stops each invocation at the function's timeout: why"),
    Field::new("detached", Ty::Text, "present when only detached tasks use the client (a `tokio::spawn(..)` whose handle is dropped: telemetry, a notification, a background download; not a task that sends its outcome on a channel, `tx.send(result)`, whose reader waits): every request made from it (or, with none in sight, its construction) is in a function only such tasks run; nobody waits on its outcome: why"),
    Field::new("one-shot", Ty::Text, "present when only one-shot command-line tools use the client: every request made from it (or, with none in sight, its construction) carries the call's `one-shot`, or is in a library only such tools reach (not an SDK nothing of the run uses), or in a function only the package's own one-shot subcommands run, or in a person's browser sign-in (a function that opens the browser in a file importing an OAuth crate or named for a sign-in, `oauth.rs`, the functions of that file calling it, and those only they run), or behind a terminal prompt (a function that asks the person through a prompt crate, `dialoguer`, and that no endless loop asks each round, and those only such functions run): why"),
    Field::new("wasm", Ty::Text, "present when the client is built in code compiled only for WebAssembly (an item, a `let` or a module under `#[cfg(target_arch = \"wasm32\")]`, `target_family = \"wasm\"` or a cfg alias named for it (`wasm_browser`), or a package that is a `cdylib` depending on `wasm-bindgen` or `worker`, or any package depending on both `wasm-bindgen` and `web-sys`, a browser app): its requests are the host's `fetch`: why"),
];

const CALL: &[Field] = &[
    Field::new(
        "api",
        Ty::Text,
        "the catalogue entry of the client making the call",
    ),
    Field::new(
        "target",
        Ty::Text,
        "the address called, when a literal or a constant",
    ),
    Field::new(
        "local",
        Ty::Text,
        "present when the address is this host, a Unix socket or a health probe (no remote integration): which",
    ),
    Field::new(
        "timeout",
        Ty::Text,
        "present when its client's timeout bounds the call (the client's `timeout`): how",
    ),
    Field::new(
        "breaker",
        Ty::Text,
        "present when a circuit breaker guards the call, directly or one function down, or a hand-written one (a function that refuses the call on a failure record and records failures, `[[hand-breaker]]` of the clients catalogue) runs it: which",
    ),
    Field::new(
        "covered-by",
        Ty::Text,
        "present when no breaker guards it in code but every mesh route of its path ejects failing endpoints: which (`breaker` is then set too)",
    ),
    Field::new(
        "other-layers",
        Ty::Text,
        "present when no breaker guards it in code and no other layer covers it either: why, for messages",
    ),
    Field::new(
        "one-shot",
        Ty::Text,
        "present when the package is a one-shot command-line tool (a CLI parser among its dependencies, no server or consumer framework (or one only its test modules name, beside the types it shares with clients, `axum::body`), no route, no `src/lib.rs`, no loop in `src/main.rs` that awaits (or accepts connections in blocking code, `listener.accept()`, `for s in listener.incoming()`) and never ends with its work, nor in a module of it under `src/` when `main` dispatches no subcommand (a worker's poll loop, a feed watcher `main` spawns; a package drawing a full-screen terminal interface, `ratatui`, or a desktop window, `eframe`, aside); or its only servers listen on an ephemeral port of this host), or the call is in the files of a one-shot command of a long-running package or of a command-line tool's library package (a binary of its own, or a subcommand its `main` dispatches to, with no loop, server, consumer or scheduler in its files; without a parser crate, a binary of its own that reads its arguments by hand, `std::env::args()`), or the package is a program that runs to completion (binaries only, no command line, no loop, awaiting `while`, server, consumer, scheduler or signal wait in its files (a `while` whose empty body waits on a signal ignores it, and is neither), and no server crate or other package of the run among its dependencies: a code generator, a migration), or the call is in code only the command line a server's `main` hands over first reaches (`if cli::cli().await? { return Ok(()); }`, or a subcommand's arm that returns before the server starts: `Action::Pull(a) => { pull(a).await?; return Ok(()); }`, or an `if` that returns with its call: `if matches!(args.command, Some(Command::Publish)) { return publish::run().await; }`), or in the arm of a `match` on a command-line parser's subcommands that does its work in place, with no loop, `while`, spawned task, `select!`, server or framework in it nor a call of a package function that runs long (`Commands::Install { url } => { reqwest::get(url) .. }` beside `Commands::Run => .. serve ..`), or in a person's browser sign-in or behind a terminal prompt: why",
    ),
    Field::new(
        "wasm",
        Ty::Text,
        "present when the call is made from a client built only for WebAssembly (the client's `wasm`) or in a file compiled only for it: why",
    ),
    Field::new(
        "library",
        Ty::Text,
        "present when the package is a library no long-running package of the run depends on, directly or through other libraries (an SDK, or a library of one-shot tools only), or the call is in a library function only one-shot tools call (also of a package that runs long itself, when the function reaches no long-running code and is no trait impl's method), or in a function only the package's own one-shot subcommands run (methods its dispatch `match` calls, as cargo-shuttle's `init`, and methods a subcommand's arm calls on a client it made, as `let c = api_client(url); c.list_payouts()`): why",
    ),
    Field::new(
        "periodic",
        Ty::Text,
        "present when the call is in a function only periodic loops run (a loop that waits out its interval each time round, `interval.tick().await` or `sleep(period).await`, and never leaves on its own), directly or through functions only they run: why",
    ),
    Field::new(
        "detached",
        Ty::Text,
        "present when the call is in a function only detached tasks run (a `tokio::spawn(..)` or `std::thread::spawn(..)` statement whose handle is dropped, or bound to `_`, not itself inside a loop or closure, not one that sends its outcome on a channel; not a loop inside the task), directly or through functions only they run: why",
    ),
    Field::new(
        "background-job",
        Ty::Text,
        "present when the call is in a function only queued jobs run (a method of an impl of a job-queue trait, `[[background-job]]` of the clients catalogue: `impl BackgroundJob for SyncAdmins { async fn run(..) }`), directly or through functions only they run: why",
    ),
    Field::new(
        "once",
        Ty::Text,
        "present when the call is made in a `static`'s initializer (`static CERTS: LazyLock<Vec<u8>> = LazyLock::new(|| ..)`), which runs once per process: why",
    ),
    Field::new(
        "untimed-client",
        Ty::Text,
        "present when no breaker guards the call and no timeout bounds it (none on the request, its client or a server-side layer, no mesh or gateway route of its path sets one): a hung call never fails, so a breaker would not open; the timeout rule reports its client: why",
    ),
    Field::new(
        "off-request-path",
        Ty::Text,
        "present when the run serves requests (it registers a route handler, middleware or RPC method) and none reaches the function the call is in, by name through the workspace's call graph: start-up code, background loops, internal workers; a long-running package that registers no entry and depends on no package that does counts as all entries: why",
    ),
];

const RETRY: &[Field] = &[
    Field::new(
        "kind",
        Ty::OneOf(&["loop", "crate"]),
        "a hand-written loop or a retry crate's strategy",
    ),
    Field::new(
        "form",
        Ty::OneOf(&["for", "while-let", "while", "loop"]),
        "loops: the loop's form",
    ),
    Field::new(
        "crate",
        Ty::Text,
        "crates: the retry crate (`backon`, `tokio-retry`, ...)",
    ),
    Field::new(
        "strategy",
        Ty::Text,
        "crates: the strategy used (`ConstantBuilder`, ...)",
    ),
    Field::new(
        "delay",
        Ty::OneOf(&["none", "constant", "growing", "unknown"]),
        "what the retry waits between attempts, at the sleep or strategy",
    ),
    Field::new(
        "delay-seconds",
        Ty::Text,
        "with a `constant` delay: its length in seconds when the file writes it with literals (directly, or through a `const` or `let`), a number; the shortest of several waits",
    ),
    Field::new(
        "unbounded",
        Ty::Flag,
        "present (`true`) when nothing limits the attempts",
    ),
    Field::new(
        "deadline",
        Ty::Flag,
        "loops: present (`true`) when only a total time limits the attempts (an `elapsed()` or deadline comparison, an enclosing `timeout(..)`): a wait-for-ready poll",
    ),
    Field::new(
        "attempt-limit",
        Ty::Flag,
        "present (`true`) when an attempt count limits the retries: a range (`for _ in 0..n`), a counter the loop compares, a strategy's attempt bound (its own or its crate's default)",
    ),
    Field::new(
        "startup",
        Ty::Flag,
        "loops: present (`true`) in a binary's `fn main`, outside closures and spawned tasks: run once per process start",
    ),
    Field::new("target", Ty::Text, "the address retried, when known"),
    Field::new(
        "reaches",
        Ty::Text,
        "loops: how the loop reaches an integration point (a client request in it, a package function that makes one, a catalogued crate's path, or a parameter its callers pass)",
    ),
    Field::new(
        "local",
        Ty::Text,
        "loops: present when the loop retries nothing remote (no catalogued client, broker or database call in it or in a package function it calls): why",
    ),
    Field::new(
        "method",
        Ty::OneOf(&["POST", "PATCH"]),
        "loops: the mutating method a catalogued client sends in the attempt",
    ),
    Field::new(
        "idempotency-key",
        Ty::Text,
        "with `method`: how the retried request carries an idempotency key (a key header literal from the routes catalogue, a name holding `idempotency`)",
    ),
    Field::new(
        "helper",
        Ty::Text,
        "loops whose attempt calls a parameter of their function (`fn retry<F: FnMut() -> Result<T, E>>(f: F)`): the function, a retry helper",
    ),
    Field::new(
        "call-sites",
        Ty::Text,
        "with `helper`: how many calls of the helper the package makes (by name), a number",
    ),
];

const ROUTE: &[Field] = &[
    Field::new(
        "method",
        Ty::Text,
        "the mutating method served (`POST`, `PATCH`; `POST, PATCH` when one handler serves both on one path)",
    ),
    Field::new(
        "path",
        Ty::Text,
        "the route's path behind the prefixes of the scopes, nests and mounts above it (`web::scope(\"/api\")`, `nest(\"/v1\", ..)`), where literal",
    ),
    Field::new("handler", Ty::Text, "the handler function"),
    Field::new(
        "idempotency-key",
        Ty::Text,
        "present when the handler reads an idempotency key, a layer deduplicates, or every write repeats safely (`upsert on conflict`, `sets a value`): how",
    ),
    Field::new(
        "writes",
        Ty::Text,
        "present when the handler writes (its body, two calls down by name, four through calls resolved by their paths and imports) or is not in the scanned code: the write a repeat applies twice when known (`call .send (in send_email)`, `creates a record: ..`), else the first write",
    ),
    Field::new(
        "confirmed",
        Ty::Text,
        "present when the route writes and is surely a mutation: its handler makes a record under an identity made per request (`Uuid::new_v4()`, a constructor or helper calling one, two calls down; four through resolved calls), `creates a record: new id Uuid::new_v4 (in Order::new)`, a repeat makes a second one; or it reads an idempotency key, `reads an idempotency key: ..`",
    ),
];

/// The fact document of one Rust file.
pub const FACTS: Shape = Shape {
    name: "rust facts",
    platform: crate::classify::Platform::Rust,
    doc: "one document per `.rs` file with findings-relevant facts, linked per package",
    open: false,
    fields: &[
        Field::new("clients", Ty::List(CLIENT), "outbound client constructions"),
        Field::new("calls", Ty::List(CALL), "outbound call sites"),
        Field::new(
            "retries",
            Ty::List(RETRY),
            "retry loops and retry-crate strategies",
        ),
        Field::new("routes", Ty::List(ROUTE), "POST and PATCH routes"),
    ],
};
