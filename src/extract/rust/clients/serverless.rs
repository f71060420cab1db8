//! Serverless functions: a package whose program hands its handler to a serverless
//! runtime (the catalogue's `[[function-runtime]]`, AWS Lambda's
//! `lambda_runtime::run(service_fn(handler))` or `lambda_http::run(app)`) runs each
//! invocation under the platform's timeout (Lambda's: 3 s by default, 15 minutes at
//! most), which stops the invocation however long a call of it hangs. So the clients
//! the package builds are bounded by the function's timeout: they carry
//! `function-timeout`, which the timeout rule accepts.
//!
//! Only a package that starts no listener of its own: one that serves as well
//! (`if on_lambda { lambda_http::run(app) } else { axum::serve(listener, app) }`, a
//! `TcpListener::bind`, a tonic server's `.serve(addr)`) may run as a plain server, no
//! platform bounding it, and stays judged. Known limit: a library only Lambda
//! functions use (a workspace's shared crate) is judged as any library.

use syn::ExprMethodCall;

use super::Visitor;
use crate::extract::rust::catalog::Catalog;
use crate::extract::rust::{Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

/// Whether the package depends on a crate one of the catalogue's function runtimes
/// starts from (`lambda_http`): only then are its calls asked.
pub(super) fn may_run_function(deps: Option<&Deps>, catalog: &Catalog) -> bool {
    let Some(deps) = deps else {
        return false;
    };
    let runs = catalog.function_runtimes.iter().flat_map(|r| &r.runs);
    runs.filter_map(|r| r.split("::").next())
        .any(|krate| deps.depends_on(krate))
}

/// Methods that start a listener on the server builder they are called on
/// (`Server::builder().add_service(s).serve(addr)`, `HttpServer::new(f).bind(a)?.run()`
/// binds through `bind`, which a query's `.bind(value)` shares, so its constructor
/// counts instead).
const LISTENER_METHODS: &[&str] = &[
    "serve",
    "serve_with_shutdown",
    "serve_with_incoming",
    "serve_with_incoming_shutdown",
    "launch",
    "bind_rustls",
    "bind_rustls_0_23",
    "bind_openssl",
];

impl Visitor<'_, '_> {
    /// Notes a call by path `segs` (its last segment `last`) that hands a handler to a
    /// function runtime, or that starts a listener (`TcpListener::bind`,
    /// `axum::serve`, `HttpServer::new`). Asked only in packages depending on a
    /// runtime's crate ([`may_run_function`]).
    pub(super) fn note_function_call(&mut self, segs: &[String], last: &str) {
        let runtimes = &self.ctx.catalog.function_runtimes;
        if let Some(k) = runtimes
            .iter()
            .position(|r| r.may_run(last) && self.imports.resolve(segs).iter().any(|p| r.runs(p)))
        {
            self.facts.function_runtime = u16::try_from(k).ok();
            return;
        }
        let before = segs.len().checked_sub(2).map(|i| segs[i].as_str());
        self.facts.listens |= matches!(
            (before, last),
            (Some("TcpListener" | "UnixListener" | "Server"), "bind")
                | (Some("HttpServer"), "new")
                | (Some(_), "serve")
                | (Some("rocket"), "build" | "ignite")
        );
    }

    /// Notes a method chain that starts a listener (`.serve(addr)`), in a package
    /// depending on a runtime's crate.
    pub(super) fn note_listener_methods(&mut self, calls: &[(&ExprMethodCall, bool)]) {
        self.facts.listens |= calls
            .iter()
            .any(|(m, _)| LISTENER_METHODS.iter().any(|l| m.method == l));
    }
}

/// Why the package's clients are bounded by a serverless function's timeout: some
/// file of it hands its handler to a function runtime, and none starts a listener of
/// its own (module doc).
pub(super) fn function_timeout(files: &[PackageFile], catalog: &Catalog) -> Option<String> {
    if files.iter().any(|(_, f)| f.listens) {
        return None;
    }
    let k = files.iter().find_map(|(_, f)| f.function_runtime)?;
    let runtime = catalog.function_runtimes.get(usize::from(k))?;
    Some(format!(
        "runs as a serverless function ({}): the platform stops each invocation at {}",
        runtime.name, runtime.limit
    ))
}
