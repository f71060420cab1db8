//! Catalogue entries about the process a package runs rather than the calls it
//! makes: one-shot command-line tools, job queues, hand-written circuit breakers.

use serde::Deserialize;

/// A job-queue trait (`crates_io_worker::BackgroundJob`): the `methods` of a type's
/// impl of it run a queued job, which the queue retries later with its own backoff;
/// no caller waits on the job's calls.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BackgroundJob {
    /// The trait's name, its last path segment (`BackgroundJob`).
    #[serde(rename = "trait")]
    pub trait_name: String,
    pub methods: Vec<String>,
}

/// A connection pool's manager trait (`r2d2::ManageConnection`): the pool calls the
/// `methods` of a type's impl of it to open a connection while a caller waits in the
/// pool's checkout, which gives up after its own timeout (`checkout-timeout`, the
/// pool's default). A connect made there holds no caller longer than that, whatever
/// the client's own timeouts. A pool whose checkout waits forever by default
/// (deadpool) has no entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConnectionPool {
    /// Shown in the evidence (`r2d2`).
    pub name: String,
    /// The trait's paths as the crates export them (`r2d2::ManageConnection`, and a
    /// re-export such as `diesel::r2d2::ManageConnection`); each applies in packages
    /// depending on its first segment.
    pub traits: Vec<String>,
    pub methods: Vec<String>,
    /// How long the checkout waits by default (`30 s (connection_timeout)`).
    pub checkout_timeout: String,
    /// Builder methods whose `None` argument makes the checkout wait forever (mobc's
    /// `get_timeout(None)`): in a package that calls one so, the pool bounds nothing.
    #[serde(default)]
    pub unbounded_by: Vec<String>,
}

/// A hand-written circuit breaker (symbolicator's per-host `HostDenyList`), known by
/// its shape rather than its type: a function that asks a failure record whether to
/// refuse the call (`check`, `deny_list.is_blocked(&host)`) and records the failures
/// of the calls it lets through (`record`, `deny_list.register_failure(..)`) is one;
/// the calls it makes, and the functions only such functions run, are guarded.
/// Names are method or function names; a function must call one of each list of the
/// same entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HandBreaker {
    pub name: String,
    pub check: Vec<String>,
    pub record: Vec<String>,
}

/// A package that depends on one of `cli` and none of `service` is a one-shot
/// command-line tool: it makes its calls and exits, so a circuit breaker (which
/// protects a long-running process from hammering a failing dependency) has nothing
/// to protect. A package that registers routes is a service whatever its crates.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OneShot {
    /// Command-line argument parsers (`clap`).
    #[serde(default)]
    pub cli: Vec<String>,
    /// Crates that make a long-running process: servers, consumers, schedulers.
    #[serde(default)]
    pub service: Vec<String>,
    /// Those of `service` that build clients just as well (`hyper`, `tower`): a
    /// library depending on one is not taken for a server by that alone (lychee-lib
    /// reads `hyper::Error` out of reqwest's errors).
    #[serde(default)]
    pub client_too: Vec<String>,
    /// Those of `service` a package depends on for its server as often as for a
    /// client (`tonic`): the package is a service by the dependency, but a file shows
    /// a long-running process only where it names the server side
    /// (`tonic::transport::Server`), not a client (`tonic::transport::Channel`).
    #[serde(default)]
    pub server_side: Vec<String>,
    /// Paths into a `service` crate that name what clients use too (`axum::body`,
    /// `axum::http`: axum re-exports the `http` types and a request body a hyper
    /// client sends): naming them shows no server.
    #[serde(default)]
    pub not_serving: Vec<String>,
    /// Full-screen terminal interfaces (`ratatui`) and desktop window toolkits
    /// (`eframe`): a package drawing one runs its loops for a person at the keyboard,
    /// so they make no long-running process of a command-line tool (spotify-player's
    /// event loop, managarr's).
    #[serde(default)]
    pub terminal_ui: Vec<String>,
}

impl OneShot {
    /// Whether a path (`axum::body::Body::empty`) starts with a [`Self::not_serving`]
    /// one.
    pub fn names_no_server(&self, path: &[String]) -> bool {
        self.not_serving.iter().any(|n| {
            let mut want = n.split("::");
            path.iter().zip(want.by_ref()).all(|(a, b)| a == b) && want.next().is_none()
        })
    }
}

impl OneShot {
    /// The crates of `service` that build servers only: depending on one (or naming
    /// it) makes a service, where `client-too` and `server-side` crates do not.
    pub fn servers_only(&self) -> impl Iterator<Item = &String> {
        self.service
            .iter()
            .filter(|s| !self.client_too.contains(s) && !self.server_side.contains(s))
    }
}

/// A person's sign-in through the browser ([`crate::extract::rust::clients`]'s
/// logins): a function that calls one of `openers` (`webbrowser::open`) in a file
/// importing one of the `oauth` crates runs a login a person waits on.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BrowserLogin {
    /// Functions that open the user's browser, by full path (`open::that`).
    #[serde(default)]
    pub openers: Vec<String>,
    /// OAuth and OpenID Connect client crates, by package name (`openidconnect`).
    #[serde(default)]
    pub oauth: Vec<String>,
}

impl BrowserLogin {
    /// Whether a call whose path ends in `last` may open the browser: most calls
    /// are turned down before their path is resolved.
    pub fn may_open(&self, last: &str) -> bool {
        // Asked of every call: a suffix test, no searcher built.
        self.openers.iter().any(|o| {
            o.strip_suffix(last)
                .is_some_and(|head| head.ends_with("::"))
        })
    }
}

/// Terminal prompts (the `[terminal-prompt]` table): a function that calls one of
/// `methods` (`.interact_text()`, `.prompt()`) in a file importing one of `crates`
/// (`dialoguer`, `inquire`) asks the person at the terminal and waits for an answer.
/// What only such functions run, a setup wizard's token check, runs in front of that
/// person, who can abort it, as with a one-shot tool.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TerminalPrompt {
    /// Prompt crates, by package name (`dialoguer`).
    #[serde(default)]
    pub crates: Vec<String>,
    /// The methods of their prompts that wait for the answer (`interact_text`).
    #[serde(default)]
    pub methods: Vec<String>,
}

impl TerminalPrompt {
    /// Whether a method of this name may wait on a prompt's answer.
    pub fn may_prompt(&self, method: &str) -> bool {
        self.methods.iter().any(|m| m == method)
    }
}

/// A serverless function runtime (AWS Lambda's `lambda_runtime::run`): a package
/// whose program hands its handler to one of `runs` (and starts no listener of its
/// own) runs each invocation under the platform's timeout, which stops it however
/// long a call of it hangs. The timeout rule leaves its clients (`function-timeout`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FunctionRuntime {
    /// The platform, shown in the evidence (`AWS Lambda`).
    pub name: String,
    /// The functions that run a handler as the platform's function, by full path
    /// (`lambda_http::run`, `lambda_runtime::Runtime::new`).
    pub runs: Vec<String>,
    /// The bound the platform puts on an invocation, in words.
    pub limit: String,
}

impl FunctionRuntime {
    /// Whether a call written with the last segment `last` may run a handler: most
    /// calls are turned down before their path is resolved.
    pub fn may_run(&self, last: &str) -> bool {
        self.runs
            .iter()
            .any(|r| r.rsplit("::").next() == Some(last))
    }

    /// Whether the resolved path `path` is one of `runs`.
    pub fn runs(&self, path: &[String]) -> bool {
        self.runs
            .iter()
            .any(|r| r.split("::").eq(path.iter().map(String::as_str)))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_into_a_servers_shared_types_names_no_server() {
        let shape = super::OneShot {
            not_serving: vec!["axum::body".to_string()],
            ..Default::default()
        };
        let path = |p: &str| p.split("::").map(String::from).collect::<Vec<_>>();
        assert!(shape.names_no_server(&path("axum::body::Body::empty")));
        assert!(!shape.names_no_server(&path("axum::Router::new")));
        assert!(!shape.names_no_server(&path("axum")));
        assert!(!shape.names_no_server(&path("axum::bodyx::B")));
    }

    use super::BrowserLogin;

    #[test]
    fn a_function_runtime_is_known_by_its_whole_path() {
        let lambda = super::FunctionRuntime {
            name: "AWS Lambda".into(),
            runs: vec![
                "lambda_http::run".into(),
                "lambda_runtime::Runtime::new".into(),
            ],
            limit: String::new(),
        };
        let path = |p: &str| p.split("::").map(String::from).collect::<Vec<_>>();
        assert!(lambda.may_run("run") && lambda.may_run("new"));
        assert!(!lambda.may_run("run_server"));
        assert!(lambda.runs(&path("lambda_http::run")));
        assert!(lambda.runs(&path("lambda_runtime::Runtime::new")));
        assert!(!lambda.runs(&path("tokio::runtime::Runtime::new")));
        assert!(!lambda.runs(&path("lambda_http::run::x")));
        assert!(!lambda.runs(&path("app::run")));
    }

    #[test]
    fn an_opener_is_known_by_its_whole_last_segment() {
        let login = BrowserLogin {
            openers: vec!["open::that".into(), "webbrowser::open".into()],
            oauth: Vec::new(),
        };
        assert!(login.may_open("that"));
        assert!(login.may_open("open"));
        assert!(!login.may_open("hat"), "part of a segment");
        assert!(
            !login.may_open("webbrowser::open"),
            "a whole path is no last segment"
        );
        assert!(!login.may_open("pen"));
    }
}
