//! Typed facts one `.rs` file yields: `Send`, free of `syn` types, positioned by
//! byte offsets into the file.

use std::collections::{HashMap, HashSet};

use compact_str::CompactString;

use crate::tree::Span;

/// A literal outbound address, or the name of a constant holding one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Target {
    Literal(String),
    Const(String),
    /// This host, a Unix socket or a health probe (`format!("http://{host}:{port}/health")`):
    /// no remote integration; why, in words.
    Local(String),
    /// A host written from a field's value (`format!("http://{}/health",
    /// config.http_addr)`): this program's own listener when a listener of the
    /// package binds a field of that name ([`FileFacts::bound_fields`]), else `or`,
    /// what the address was taken for otherwise. Only a request's call carries one.
    HostField {
        field: String,
        or: Option<Box<Target>>,
    },
    /// An address a function of the package returns (`let url =
    /// state.portal_url(key).await?`), by the function's name: its address when the
    /// package's functions of that name return one ([`FileFacts::address_fns`]), else
    /// `or`. Only a request's call carries one.
    Returned {
        func: String,
        or: Option<Box<Target>>,
    },
}

/// One method call in a chain: `.timeout(Duration::from_secs(5))`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CallFact {
    /// Inline when short (method names are): a warm run decodes a hundred thousand
    /// calls from the cache, and each `String` was an allocation.
    pub name: CompactString,
    /// From the method name to the closing parenthesis.
    pub span: Span,
    pub nargs: usize,
    /// Last segment of each argument that is a plain path (`None`, `Timeout::Never`).
    pub arg_words: Vec<String>,
    /// First argument, when it is a literal string or a constant (boxed: few calls
    /// have one, and the others then carry 8 bytes instead of 32).
    pub target: Option<Box<Target>>,
    /// Methods called earlier in the function on the variables passed as arguments
    /// (`req.set_timeout(d); client.say_hello(req)`).
    pub arg_methods: Vec<String>,
    /// The call runs under a timeout wrapper (`tokio::time::timeout`).
    pub wrapped: bool,
    /// The call's result is `.await`ed directly.
    pub awaited: bool,
    /// The call runs inside a circuit breaker's `call`.
    pub breaker: bool,
    /// The function (link key) the call is made in (inline when short).
    pub in_fn: Option<CompactString>,
    /// The call is decided by configuration: it passes a value bound by `if let
    /// Some(t) = ..` (`b = b.timeout(t)`), or runs on the `else` branch of such an
    /// `if` whose other branch bounds the same request.
    #[serde(default)]
    pub configurable: bool,
    /// Where arguments come from when a helper or a caller may have bounded them
    /// (a request a function returns, one the function was handed), in order.
    #[serde(default)]
    pub arg_sources: Vec<ArgSource>,
}

/// Where an argument of a call on a tracked value comes from, when its timeout may
/// have been set out of sight ([`crate::extract::rust::clients`]' `handed` module).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ArgSource {
    /// The enclosing function's request parameter: a caller made it
    /// (`fn create_task(&self, req: Request<T>) { client.create_task(req) }`).
    Param,
    /// What a function of the workspace returns (link key): `make_request(t, cfg)`,
    /// in place or through a `let`.
    Made(CompactString),
}

/// Calls made on one value, in order.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Chain {
    pub calls: Vec<CallFact>,
    /// The whole value was handed to a timeout wrapper or layer.
    pub wrapped: bool,
    /// The whole value was handed to a circuit breaker (a breaker layer's service).
    pub breaker: bool,
    /// The wrapper runs only when configured (inside `if let Some(t) = ..`).
    #[serde(default)]
    pub configurable: bool,
    /// A request not yet sent that was handed to functions of the package, each as
    /// its argument at that index: (link key, index) ([`super::clients`]' `senders`).
    #[serde(default)]
    pub handed_to: Option<Box<Vec<(String, usize)>>>,
}

/// Where a handle's value comes from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Origin {
    /// A catalogue constructor (or one-shot request function); boxed, since most
    /// handles are parameters and the others would all carry its size.
    Client(Box<ClientOrigin>),
    /// The result of calling a function of this package by name (a possible factory).
    Call { callee: String },
    /// The result of calling a function of another package of the workspace by its
    /// path (`common::http::client()`, a path or workspace dependency): a client that
    /// package's factory returns meets what is done with it here
    /// ([`crate::extract::rust::clients`]' `returned` module). `callee` is the
    /// function's key (`client`, `Api::new`).
    Workspace { callee: String },
    /// A circuit breaker (or breaker layer) of the given catalogue API.
    Breaker { api: usize },
    /// Parameter `index` of the package function `function` (link key): what the
    /// function does with it happens to every value passed there.
    Param {
        function: CompactString,
        index: usize,
    },
    /// `self.<name>` used before the file assigns it: what is done with it happens to
    /// every value the file stores in that field.
    Field { name: String },
    /// A `static` of the package used by name (`HTTP.get(url)`): what is done with it
    /// happens to the value the package keeps there. A name starting with `.` is a
    /// struct field used through another value (`conf.client.request(..)`): it meets
    /// what struct literals of the package store in a field of that name.
    Static { name: String },
}

/// A catalogue constructor (or one-shot request function) at `span`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClientOrigin {
    pub api: usize,
    pub span: Span,
    pub constructor: String,
    pub target: Option<Target>,
    /// The construction itself is a request (`reqwest::get`, `ureq::get`).
    pub request: bool,
    /// The construction runs under a timeout wrapper.
    pub wrapped: bool,
    /// The construction (a one-shot request) runs inside a breaker's `call`.
    pub breaker: bool,
    /// The function the construction is in.
    pub in_fn: Option<String>,
    /// That function may run with no call naming it: a trait's method, or one an
    /// attribute or a foreign ABI hands to a framework or host
    /// ([`crate::extract::rust::front::test_code::called_by_host`]). Only a function
    /// not so called is dead when its name appears nowhere else.
    #[serde(default)]
    pub host_called: bool,
    /// Built in code compiled only for WebAssembly (an item or a `let` under
    /// `#[cfg(target_arch = "wasm32")]`, [`super::front::target`]).
    #[serde(default)]
    pub wasm: bool,
    /// Type name when matched by a wildcard pattern (a generated tonic client):
    /// dropped if the package defines a type of that name.
    pub wildcard_type: Option<String>,
    /// Built in the `else` of an `if` whose other branch builds a client of the same
    /// API into the same binding (`let b = if insecure { Client::builder()
    /// .danger_accept_invalid_certs(true) } else { Client::builder() }`): the offset
    /// of that first branch's construction. One client: where both get the same
    /// verdict it is reported once, at its first branch.
    #[serde(default)]
    pub twin_of: Option<usize>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Handle {
    pub origin: Origin,
    /// Decoded from the cache when first read: most handles are parameters, whose
    /// chains matter only where a client is passed to their function.
    pub chains: crate::extract::rust::lazy::Lazy<Vec<Chain>>,
}

/// A function (or method) of the file and the handles it returns.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FnFact {
    pub name: String,
    pub returns: Vec<usize>,
}

/// Everything one file contributes to its package's link step.
/// A method a connection pool runs to open a connection, whose connects are bounded
/// by the pool's checkout timeout.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PoolConnect {
    /// Its link key (`RedisManager::connect`).
    pub key: String,
    /// The pool's catalogue name (`mobc`).
    pub pool: String,
    /// The names it calls, for the functions only it runs.
    pub calls: Vec<String>,
    /// Why its connects are bounded (the pool and its checkout timeout).
    pub why: String,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    pub handles: Vec<Handle>,
    pub fns: Vec<FnFact>,
    /// `const`/`static` string values by name.
    pub consts: HashMap<String, String>,
    /// Constants whose value is another constant (`const API: &str =
    /// network::DEFAULT_API_ADDR;`): (name, the other's last segment), resolved
    /// across the run's packages at the link step.
    #[serde(default)]
    pub const_refs: Vec<(String, String)>,
    /// Types defined in the file.
    pub types: HashSet<String>,
    /// The file's type aliases: (alias, the last segment of the type it names).
    #[serde(default)]
    pub aliases: Vec<(String, String)>,
    /// Out-of-line test modules (`#[cfg(test)] mod tests;`): names, then the files
    /// that hold them once the file's path is known.
    pub test_mods: Vec<String>,
    pub test_files: Vec<std::path::PathBuf>,
    /// The file's own inner attributes make it test code (`#![cfg(test)]` at its top):
    /// it is left out with the modules it declares, like a `#[cfg(test)] mod` file.
    #[serde(default)]
    pub test_code: bool,
    /// Out-of-line modules compiled only for WebAssembly (`#[cfg(target_family =
    /// "wasm")] mod wasm;`, [`super::front::target`]): the files that hold them.
    #[serde(default)]
    pub wasm_files: Vec<std::path::PathBuf>,
    /// The file's own inner attributes compile it only for WebAssembly.
    #[serde(default)]
    pub wasm_code: bool,
    /// Set by the link step: the whole file is built only for WebAssembly, and why
    /// (its module's `cfg`, or its package is a WebAssembly module).
    #[serde(skip)]
    pub wasm_only: Option<&'static str>,
    /// The byte ranges of the file's inline test modules' bodies (blanked before the
    /// parse): where [`crate::extract::rust::clients::test_only`] looks for callers.
    #[serde(default)]
    pub test_bodies: Vec<(usize, usize)>,
    /// Fields whose value a listener of the file binds (`http_addr` of `let addr =
    /// config.http_addr; socket.bind(addr)`): a request to a host written from a field
    /// of that name is a self-probe (`clients::bound`).
    #[serde(default)]
    pub bound_fields: Vec<String>,
    /// The file's functions named for an address that return text or a URL, each with
    /// the one address it returns (a local one or a constant), `None` when it returns
    /// anything else (`clients::address_fns`).
    #[serde(default)]
    pub address_fns: Vec<(String, Option<Target>)>,
    /// The modules and file names the file's text declares ([`super::modules`]): which
    /// files of its package are compiled at all.
    pub declared: super::modules::Declared,
    /// Functions (link keys) called inside a breaker's `call`: their outbound calls
    /// are guarded one function down.
    pub breaker_callees: Vec<String>,
    /// Retry sites ([`crate::extract::rust::retries`]), found inside the worker.
    pub retries: Vec<crate::extract::rust::retries::RetryFact>,
    /// Route registrations and idempotency evidence ([`crate::extract::rust::routes`]),
    /// linked across the package's files by the link step.
    pub routes: crate::extract::rust::routes::FileRoutes,
    /// A handle passed to a package function: (callee link key, argument index, handle).
    pub arg_passes: Vec<(String, usize, usize)>,
    /// The same passes by the call's own handle ([`Origin::Call`]): (call handle,
    /// argument index, handle passed). A function that returns what it was handed
    /// (`fn with_agent(b: ClientBuilder) -> ClientBuilder { b.user_agent(..) }`)
    /// hands it back: what is done with the call's value is done to the argument.
    #[serde(default)]
    pub call_args: Vec<(usize, usize, usize)>,
    /// Clients stored beside an empty address in one struct literal (`Self { client:
    /// Client::new(), domain: String::new() }` in a `Default`), by the field's key: a
    /// placeholder, when another value of the package fills that field with a client
    /// (`clients::placeholders`).
    #[serde(default)]
    pub placeholders: Vec<(String, usize)>,
    /// A handle passed to a function of another package of the workspace, named by
    /// its path (`infra::check(&client)`): (function key, argument index, handle).
    #[serde(default)]
    pub workspace_passes: Vec<(String, usize, usize)>,
    /// Functions (link keys) declared to return a request not yet sent (a catalogue
    /// `request-builders` type): their requests are sent by their callers.
    #[serde(default)]
    pub request_builder_fns: Vec<String>,
    /// Functions (link keys) that return a request they set a timeout on
    /// (`let mut r = Request::new(t); r.set_timeout(d); r`): a request they make is
    /// bounded wherever it is sent. Empty in most files.
    #[serde(default)]
    pub request_makers: Vec<String>,
    /// Functions that send a request-builder parameter only with a timeout, as
    /// `key/index` (`senders::sender_key`): a request handed to one is bounded there.
    #[serde(default)]
    pub bounding_senders: Vec<String>,
    /// Some call on a tracked value passes the enclosing function's request
    /// parameter ([`ArgSource::Param`]): its callers decide that request's timeout.
    #[serde(default)]
    pub param_requests: bool,
    /// A handle stored in `self.<name>`: (name, handle).
    pub field_binds: Vec<(String, usize)>,
    /// A handle kept in a `static` (`static HTTP: LazyLock<Client> = ..`): (name,
    /// handle). Uses of that name anywhere in the package meet it.
    #[serde(default)]
    pub static_binds: Vec<(String, usize)>,
    /// The package looks like a one-shot command-line tool (a CLI parser among its
    /// dependencies, no server or consumer framework): why, in words.
    #[serde(default)]
    pub one_shot: Option<String>,
    /// The same, for a package that also depends on a server framework
    /// (`[dependencies] axum`), and the names of those frameworks
    /// (`clients::package::one_shot_by_deps`): a one-shot tool when only its tests
    /// name them ([`Self::servers_in_tests`]).
    #[serde(default)]
    pub one_shot_but_serves: Option<(String, Vec<String>)>,
    /// The file's test modules name one of those frameworks (`axum::Router::new()`
    /// in a test's stand-in server).
    #[serde(default)]
    pub servers_in_tests: bool,
    /// The file is a library root (`src/lib.rs`): the package is a library, whose
    /// callers may be long-running whatever its own dependencies.
    #[serde(default)]
    pub library_root: bool,
    /// The file is a binary root (`src/main.rs`, `src/bin/..`): the package runs as a
    /// program of its own, not only as a library of others.
    #[serde(default)]
    pub binary_root: bool,
    /// The binary crate of its own the file is compiled into (`x` for `src/bin/x.rs`
    /// and `src/bin/x/**`): no other crate of the package sees its functions, so a
    /// call elsewhere of a name it defines is another function's.
    #[serde(default)]
    pub bin_crate: Option<Box<str>>,
    /// Functions (link keys) that call some names only from periodic loops, each with
    /// those names ([`crate::extract::rust::clients::periodic`]). Empty in most files.
    #[serde(default)]
    pub periodic: Vec<(String, Vec<String>)>,
    /// Functions with `Fn`-bound parameters: which they call only from periodic
    /// loops, which they hand on ([`crate::extract::rust::clients::runners`]). Empty
    /// in most files.
    #[serde(default)]
    pub runners: Vec<crate::extract::rust::clients::runners::Runner>,
    /// Closures passed to function calls, with the names called only inside them
    /// ([`crate::extract::rust::clients::runners`]): periodic positions when the
    /// callee is a periodic runner. Empty in most files.
    #[serde(default)]
    pub closure_args: Vec<crate::extract::rust::clients::runners::ClosureArgs>,
    /// Functions (link keys) that call some names only from detached tasks (a
    /// `tokio::spawn(..)` whose handle is dropped), each with those names
    /// ([`crate::extract::rust::clients::detached`]). Empty in most files.
    #[serde(default)]
    pub detached: Vec<(String, Vec<String>)>,
    /// Functions (link keys) that call some names only inside timeout wrappers
    /// (`timeout(d, fut)`), each with those names
    /// ([`crate::extract::rust::clients::timed`]). Empty in most files.
    #[serde(default)]
    pub timed: Vec<(String, Vec<String>)>,
    /// Functions (link keys) whose body has a `loop` or a `while`: spawned and
    /// detached, such a function is a worker, not a best-effort call
    /// ([`crate::extract::rust::clients::detached`]).
    #[serde(default)]
    pub looping: Vec<String>,
    /// Methods that run a queued job (a catalogue job trait's impl: `impl
    /// BackgroundJob for SyncAdmins { async fn run(..) }`), each with the names it
    /// calls ([`crate::extract::rust::clients::jobs`]). Empty in most files.
    #[serde(default)]
    pub jobs: Vec<(String, Vec<String>)>,
    /// Methods a connection pool calls to open a connection (a catalogue pool's
    /// manager trait impl: `impl ManageConnection for RedisManager { fn connect(..) }`,
    /// [`crate::extract::rust::clients::pools`]). Empty in most files.
    #[serde(default)]
    pub pooled: Vec<PoolConnect>,
    /// Pools the file builds with no checkout timeout (`get_timeout(None)`), by
    /// catalogue name. Empty in most files.
    #[serde(default)]
    pub unbounded_pools: Vec<String>,
    /// Methods of trait impls shaped like RPC handlers (`Svc::search`, taking a
    /// `Request<..>`, answering `Result<Response<..>, ..>`): request entries
    /// ([`crate::extract::rust::clients::request_path`]). Empty in most files.
    #[serde(default)]
    pub rpc_methods: Vec<String>,
    /// Types of the services a server builder serves under its timeout
    /// (`Server::builder().timeout(d).add_service(GreeterServer::new(MyGreeter::new()))`
    /// → `MyGreeter`): their RPC methods are bounded
    /// ([`crate::extract::rust::clients::request_path`]). Empty in most files.
    #[serde(default)]
    pub timed_services: Vec<String>,
    /// Functions a raw service's closure hands each request to, on a service builder
    /// with a timeout layer (`ServiceBuilder::new().layer(TimeoutLayer::new(d))
    /// .service_fn(move |req| server.handle_request(req))` → `handle_request`): request
    /// entries, bounded by the layer ([`crate::extract::rust::clients::request_path`]).
    #[serde(default)]
    pub timed_service_fns: Vec<String>,
    /// Functions a binary's `main` hands the command line to first, returning when
    /// they handled a subcommand (`if cli::cli().await? { return Ok(()); }`): command
    /// gates ([`crate::extract::rust::clients::gates`]). Empty in most files.
    #[serde(default)]
    pub command_gates: Vec<String>,
    /// The enums the file's command-line parser derives (`#[derive(Subcommand)] enum
    /// SubCommands`): a `match` on their variants is a dispatch of subcommands.
    #[serde(default)]
    pub cli_enums: Vec<String>,
    /// In a binary root, the arms of a `match` on two or more variants of one enum
    /// whose own code shows no long-running process: subcommands done in place, when
    /// the enum is a parser's ([`crate::extract::rust::clients::entries`]'s `inline`).
    /// Empty in most files.
    #[serde(default)]
    pub inline_arms: Vec<InlineArm>,
    /// Out-of-line modules the file declares privately and does not re-export: their
    /// functions are callable only from here and below.
    #[serde(default)]
    pub private_mods: Vec<String>,
    /// Functions (link keys) that read a streamed response (`.bytes_stream()`,
    /// `.eventsource()`, an `Accept: text/event-stream` header): a total timeout on
    /// their client would cut the stream, so the timeout finding advises per-read ones.
    #[serde(default)]
    pub streaming_fns: Vec<String>,
    /// Modules this file declares (`mod server;`) that a `match` dispatches to, two
    /// or more arms each calling a function of one (`Command::Server =>
    /// server::run()`): the subcommands of a command line, each an entry of its own
    /// ([`crate::extract::rust::clients::entries`]); a module of a declared module
    /// imported by name is its path (`cmd/apply`). Empty in most files.
    #[serde(default)]
    pub dispatch: Vec<String>,
    /// The file defines a command-line parser's subcommand enum and dispatches to two
    /// or more modules: outside a binary root (a library's `cli` module that its
    /// binary, in another package, calls), an entry point of its own.
    #[serde(default)]
    pub parser_dispatch: bool,
    /// Catalogue clients (indices) some `consumed-by` crate's `Client` the file names
    /// is made from ([`crate::extract::rust::catalog::ClientApi::consumed_by`]).
    #[serde(default)]
    pub consumers_named: Vec<usize>,
    /// Types of the package whose value a timeout consumer is handed
    /// (`.with_http_client(LoggingHttpClient::new(..))`, `[[timeout-consumer]]`): a
    /// client kept in one of their fields sends under the consumer's deadline.
    #[serde(default)]
    pub consumer_types: Vec<String>,
    /// The file shows a long-running process: a `loop`, a `while` whose condition
    /// awaits (a consumer), or a path into a server, consumer or scheduler framework.
    #[serde(default)]
    pub long_running: bool,
    /// A `loop` of the file that never ends with its work ([`long_running`]) awaits in
    /// its body (`.await`, a `select!`): an async worker's poll loop, not a progress
    /// spinner a detached thread spins.
    ///
    /// [`long_running`]: Self::long_running
    #[serde(default)]
    pub awaiting_loop: bool,
    /// The file has a `loop`, or a `while` whose condition awaits, whatever ends it
    /// (a prompt, a stream read to its end): a program with no command line that
    /// repeats may be fed for as long as it runs ([`super::clients::entries`]).
    #[serde(default)]
    pub repeats: bool,
    /// The file waits for a shutdown signal (`tokio::signal`): a process's main loop,
    /// not a helper's background task (part of `long_running`).
    #[serde(default)]
    pub waits_for_signal: bool,
    /// The file names a server, consumer or scheduler framework (part of
    /// `long_running`).
    #[serde(default)]
    pub framework: bool,
    /// The file binds a listener to an ephemeral port of this host (`127.0.0.1:0`,
    /// `([127, 0, 0, 1], 0)`): a server no other process can be pointed at, serving
    /// the program itself (a local file server, an OAuth callback).
    #[serde(default)]
    pub ephemeral_server: bool,
    /// The file reads the process's arguments (`std::env::args()`, `args_os()`): a
    /// binary that takes its command line by hand, without a parser crate.
    #[serde(default)]
    pub reads_args: bool,
    /// Packages depended on by path or from the workspace that the file names (in a
    /// `use` or a path): which files of a package reach another of the run.
    #[serde(default)]
    pub local_crates: Vec<String>,
    /// Of `local_crates`, those the file names only in the arms of a subcommand
    /// dispatch (`Self::Ai(c) => atuin_ai::commands::run(c)`): run only by those
    /// subcommands, not by every command the file serves. Empty in most files.
    #[serde(default)]
    pub dispatched_crates: Vec<String>,
    /// Of `local_crates`, each (package, second segment) the file's paths name
    /// (`use atuin_daemon::client::X` → (`atuin_daemon`, `client`)): which modules of
    /// a long-running package a command uses.
    #[serde(default)]
    pub local_modules: Vec<(String, String)>,
    /// Methods (link keys, `Shuttle::deploy`) that two or more arms of a `match` on
    /// the variants of the file's parser enums run, in a method of the same type
    /// (`Command::Deploy(a) => self.deploy(a).await`), and the free functions or made
    /// values' methods such arms run: subcommands
    /// ([`crate::extract::rust::clients::entries`]).
    #[serde(default)]
    pub command_methods: Vec<String>,
    /// Such methods on an enum the file derives no parser for, with the enum
    /// (`Self` read as the `impl`'s type): subcommands when a file of the package
    /// derives the parser ([`crate::extract::rust::clients::entries`]).
    #[serde(default)]
    pub command_methods_on: Vec<(String, String)>,
    /// Methods a subcommand's arm calls on a value a package function made (`let c =
    /// api_client(..); c.list_profiles()`), as (function, method): the link step
    /// keys them by the type the function returns
    /// ([`crate::extract::rust::clients::entries`]).
    #[serde(default)]
    pub command_made: Vec<(String, String)>,
    /// Functions (link keys) whose own body shows what makes `long_running`.
    #[serde(default)]
    pub long_running_fns: Vec<String>,
    /// Functions (link keys) whose own endless loop shows them long-running, each
    /// with the names called inside such loops, sorted: what runs once per round.
    #[serde(default)]
    pub loop_calls: Vec<(String, Vec<String>)>,
    /// Names called by the file's traits' default methods, which the routes
    /// analysis's per-function call lists leave out: callers the breaker rule's
    /// library reach counts as unknown (not a tool's).
    #[serde(default)]
    pub trait_default_calls: Vec<String>,
    /// The file hands a handler to a serverless runtime (`lambda_http::run(app)`): the
    /// catalogue's `[[function-runtime]]` index ([`crate::extract::rust::clients`]'s
    /// serverless functions).
    #[serde(default)]
    pub function_runtime: Option<u16>,
    /// In a package depending on such a runtime: the file starts a listener of its
    /// own (`TcpListener::bind`, `axum::serve`, `.serve(addr)`), so the package may
    /// run as a plain server too.
    #[serde(default)]
    pub listens: bool,
    /// Functions (link keys) that open the user's browser, in a file that imports an
    /// OAuth crate: a person's sign-in ([`crate::extract::rust::clients`]'s logins).
    #[serde(default)]
    pub login_openers: Vec<String>,
    /// The file is a module named for OAuth or sign-in (`oauth.rs`, `login/mod.rs`): a
    /// browser opened there is a sign-in even with no OAuth crate imported.
    #[serde(default)]
    pub oauth_module: bool,
    /// Functions (link keys) that ask the person at the terminal and wait for the
    /// answer (`Input::new().interact_text()`, the catalogue's `[terminal-prompt]`).
    #[serde(default)]
    pub prompters: Vec<String>,
}

/// A `match` arm that may be a subcommand done in place (trailbase's `trail`:
/// `SubCommands::Components { cmd } => { .. reqwest::get(url) .. }`): no loop,
/// `while`, spawned task, `select!`, server call or framework in its body.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct InlineArm {
    /// The enum and the variant its pattern names (`SubCommands`, `Components`).
    pub enum_name: String,
    pub variant: String,
    /// The arm's body, by byte offsets: the requests made inside are its own.
    pub body: Span,
    /// The names its body calls, as functions or methods: a package function among
    /// them that runs long makes the arm long-running.
    pub calls: Vec<String>,
    /// The local packages its paths name: one that serves makes it long-running.
    pub packages: Vec<String>,
}

impl FileFacts {
    /// The same facts in fresh blocks. Facts are built while the file's syntax tree
    /// is alive, their blocks between its nodes and their vectors with room to grow:
    /// kept as they are, they pin pages the freed tree leaves mostly empty. A copy
    /// made once the tree is gone is exact and packed (a 1M-line tree's run peaked
    /// 35 MB lower, 176 MB instead of 211 MB, for no measurable time). The copy goes
    /// to pages of its own ([`crate::alloc::keeping`]): in the freed tree's holes it
    /// pinned the pages the next files' trees were built in, whose parse then ran
    /// 9% slower in CPU time (for as many instructions; 12 MB more peak at 1M lines).
    pub fn packed(self) -> FileFacts {
        let copy = crate::alloc::keeping(|| self.clone());
        drop(self);
        copy
    }
}
