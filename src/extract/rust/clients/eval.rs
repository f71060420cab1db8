//! What a client's calls amount to under its catalogue entry ([`eval_chains`]): a
//! builder timeout, a call that disables it or opens an unbounded connection, the
//! requests made from it (each with its own bound), a wrapper or breaker around it,
//! and whether its construction names this host. [`super::verdict`] judges the
//! client from it.

use super::bound::{resolve, Addresses};
use crate::extract::rust::catalog::{has, ClientApi};
use crate::extract::rust::facts::{ArgSource, CallFact, Chain, Target};
use crate::tree::Span;

/// One request made from a client.
#[derive(Debug, Clone)]
pub(super) struct Req {
    /// A per-request timeout or a timeout wrapper bounds it.
    pub(super) timed: bool,
    pub(super) target: Option<Target>,
    /// Package file index and span of the call.
    pub(super) file: usize,
    pub(super) span: Span,
    /// It runs inside a breaker's `call`.
    pub(super) breaker: bool,
    pub(super) in_fn: Option<String>,
    /// Its timeout is decided by configuration (the `else` of `if let Some(t)`).
    pub(super) configurable: bool,
    /// Why a caller's timeout wrapper bounds it, when only such wrappers run its
    /// function ([`super::timed`]).
    pub(super) under: Option<String>,
    /// It sends the request its function was handed, or one a function of the
    /// workspace made (that function's key): a caller or the maker may bound it
    /// ([`super::handed`]).
    pub(super) handed: bool,
    pub(super) made: Option<String>,
    /// Why its per-request timeout is set out of sight, when a maker or every caller
    /// sets it ([`super::handed`]).
    pub(super) set_by: Option<String>,
    /// The functions (link key) and argument indexes it is handed to before it is
    /// sent ([`super::senders`]).
    pub(super) handed_to: Vec<(String, usize)>,
}

/// What a client's calls amount to under its catalogue entry.
#[derive(Debug, Default)]
pub(super) struct Eval {
    pub(super) builder_timeout: Option<Span>,
    /// The builder's timeout is set only when configured (`if let Some(t)`).
    pub(super) builder_configurable: bool,
    /// A builder call that bounds only connecting (the catalogue's `connect-timeout`):
    /// its method, for the finding.
    pub(super) connect_only: Option<String>,
    /// A call that turns the timeout off, and one that opens an unbounded connection
    /// ([`Found`]).
    pub(super) disabled: Option<Found>,
    /// The builder method of the call kept in `disabled`, when a builder's call
    /// disabled it (`timeout` of `.timeout(None)`): a later call of it sets it again.
    /// Empty for a method that only disables (`.disable_timeout()` on awc): a later
    /// call of any timeout method sets it again.
    disabled_by: Option<String>,
    pub(super) unbounded: Option<Found>,
    pub(super) requests: Vec<Req>,
    pub(super) wrapped: bool,
    /// The client was handed to a breaker as a whole (a breaker layer's service).
    pub(super) breaker: bool,
    /// A call of its construction names this host or a Unix socket (a connector that
    /// dials `127.0.0.1:{port}` or opens a `UnixStream`): why.
    pub(super) local: Option<String>,
}

/// A call found in one of the client's chains: (package file index, span, text). A
/// client kept in a struct field meets the chains of every `self.<field>` of its
/// package, other files' too; a span is only good in its own file.
pub(super) type Found = (usize, Span, String);

/// Keeps the first call found, or a later one in the client's own file (`home`) over
/// one in another file. Whether it kept this one.
fn note(
    slot: &mut Option<Found>,
    found: (usize, Span),
    home: usize,
    text: impl FnOnce() -> String,
) -> bool {
    let better = match slot {
        None => true,
        Some((f, ..)) => *f != home && found.0 == home,
    };
    if better {
        *slot = Some((found.0, found.1, text()));
    }
    better
}

/// Evaluates chains (each tagged with its package file index). A one-shot request
/// origin is `first_request`, the request the chains continue. `home`: the file index
/// the client is built in. `bound`: the fields the package's listeners bind, by which
/// a request's host read from a field is resolved ([`super::bound::resolve`]).
pub(super) fn eval_chains<'a>(
    api: &ClientApi,
    chains: impl Iterator<Item = (usize, &'a Chain)>,
    first_request: Option<Req>,
    (home, bound): (usize, &Addresses),
) -> Eval {
    let mut ev = Eval::default();
    let request_origin = first_request.is_some();
    ev.requests.extend(first_request);
    for (file, chain) in chains {
        if chain.calls.is_empty() {
            ev.wrapped |= chain.wrapped;
            ev.breaker |= chain.breaker;
        }
        let mut req = request_origin.then_some(0);
        for call in &chain.calls {
            let disables = call
                .arg_words
                .iter()
                .any(|w| api.disable_args.iter().any(|d| d == w));
            let disable_text = || {
                let words = call.arg_words.join(", ");
                format!("`.{}({words})`", call.name)
            };
            if req.is_none() && api.is_request_method(&call.name, call.awaited) {
                let timed = call.wrapped
                    || call
                        .arg_methods
                        .iter()
                        .any(|m| api.request_timeout.contains(m));
                ev.requests.push(Req {
                    timed,
                    target: (call.target.as_deref()).and_then(|t| resolve(t, bound)),
                    file,
                    span: call.span,
                    breaker: call.breaker,
                    in_fn: call.in_fn.as_deref().map(String::from),
                    configurable: call.configurable,
                    under: None,
                    handed: call.arg_sources.contains(&ArgSource::Param),
                    made: call.arg_sources.iter().find_map(|s| match s {
                        ArgSource::Made(k) => Some(k.to_string()),
                        ArgSource::Param => None,
                    }),
                    set_by: None,
                    handed_to: chain.handed_to.as_deref().cloned().unwrap_or_default(),
                });
                req = Some(ev.requests.len() - 1);
                // Only a request method the catalogue names (not `*`) can carry a
                // disabling argument (`send(record, Timeout::Never)`), and one run
                // under a timeout wrapper keeps a bound whatever it passes
                // (`timeout(d, producer.send(record, Timeout::Never))`).
                let named = has(&api.request_methods, &call.name);
                if named && disables && !call.wrapped {
                    ev.disable((file, call.span), home, disable_text, None);
                }
                continue;
            }
            if let Some(r) = req {
                if call.wrapped {
                    ev.requests[r].timed = true;
                }
                if call.breaker {
                    ev.requests[r].breaker = true;
                }
                if has(&api.request_timeout, &call.name) && call.nargs > 0 {
                    if disables {
                        ev.disable((file, call.span), home, disable_text, None);
                    } else {
                        ev.requests[r].timed = true;
                    }
                }
                continue;
            }
            let target = (call.target.as_deref()).and_then(|t| resolve(t, bound));
            ev.builder_call(api, (call, target), (file, home), disables, disable_text);
        }
    }
    ev
}

impl Eval {
    /// A call of the client's construction (before any request): a builder timeout,
    /// a call that disables it, or one that makes the client unbounded.
    fn builder_call(
        &mut self,
        api: &ClientApi,
        (call, target): (&CallFact, Option<Target>),
        (file, home): (usize, usize),
        disables: bool,
        disable_text: impl Fn() -> String,
    ) {
        if let (None, Some(Target::Local(why))) = (&self.local, target) {
            self.local = Some(why);
        }
        if self.local.is_none() && has(&api.unix_socket_methods, &call.name) && call.nargs > 0 {
            self.local = Some("a Unix socket".to_string());
        }
        if self.local.is_none() {
            self.local = local_connector(api, call);
        }
        let timeout = has(&api.timeout, &call.name) || has(&api.arg_timeout, &call.name);
        if timeout && call.nargs > 0 {
            if disables {
                self.disable((file, call.span), home, disable_text, Some(&call.name));
            } else {
                self.set_again(file, call);
                if self.builder_timeout.is_none() {
                    self.builder_timeout = Some(call.span);
                    self.builder_configurable = call.configurable;
                }
            }
        } else if has(&api.connect_timeout, &call.name) && call.nargs > 0 && !disables {
            self.connect_only
                .get_or_insert_with(|| call.name.to_string());
        } else if has(&api.disable, &call.name) {
            let text = || format!("`.{}()`", call.name);
            self.disable((file, call.span), home, text, Some(""));
        } else if has(&api.unbounded_methods, &call.name) {
            let text = || format!("`.{}()`", call.name);
            note(&mut self.unbounded, (file, call.span), home, text);
        }
    }

    /// Notes a call that disables the timeout ([`note`]); `by`: the builder method it
    /// calls, when a builder's call.
    fn disable(
        &mut self,
        found: (usize, Span),
        home: usize,
        text: impl FnOnce() -> String,
        by: Option<&str>,
    ) {
        if note(&mut self.disabled, found, home, text) {
            self.disabled_by = by.map(str::to_string);
        }
    }

    /// A builder's last call of a method wins: `.timeout(None)` followed, further down
    /// the same file, by `.timeout(read_timeout)` leaves the timeout set (routinator
    /// turns it off "to set it per request", then sets it again). Another method
    /// (`.connect_timeout(..)`) does not undo a disabled total timeout, nor a builder's
    /// call a request's disabling one. After a method that only disables, any timeout
    /// method sets it again (`let mut b = awc::Client::builder().disable_timeout(); if
    /// let Some(t) = self.timeout { b = b.timeout(t); }`: osrd's gateway, whose
    /// timeout is then a configurable one).
    fn set_again(&mut self, file: usize, call: &CallFact) {
        let undone = self.disabled.as_ref().is_some_and(|(f, span, _)| {
            *f == file
                && span.start < call.span.start
                && (self.disabled_by.as_deref())
                    .is_some_and(|by| by.is_empty() || by == call.name.as_str())
        });
        if undone {
            self.disabled = None;
            self.disabled_by = None;
        }
    }
}

/// Why a builder call's connector reaches only this host: an argument named by one of
/// the API's `local-connectors` prefixes (`UnixClient`, `NamedPipeConnector`).
fn local_connector(api: &ClientApi, call: &CallFact) -> Option<String> {
    let word = (call.arg_words.iter())
        .find(|w| (api.local_connectors.iter()).any(|p| w.starts_with(p.as_str())))?;
    Some(match word.starts_with("Unix") {
        true => "a Unix socket".to_string(),
        false => "this host".to_string(),
    })
}
