//! Retries in Rust code: hand-written retry loops and retry crates, each with the
//! delay it waits between attempts.
//!
//! Input is one parsed file and its text; output is a list of [`RetryFact`]s, which
//! [`to_node`] turns into a positioned [`Node`] tree (a sequence of maps) that the
//! declarative rules select with `each = "retries[*]"`:
//!
//! | key | value |
//! |---|---|
//! | `kind` | `loop` or `crate` |
//! | `form` | loops: `for`, `while-let`, `while` or `loop` |
//! | `crate`, `strategy` | crates: the package (`tokio-retry`) and the constructor path |
//! | `delay` | `none`, `constant`, `growing` or `unknown` |
//! | `delay-seconds` | with a `constant` delay written with literals: its length in seconds |
//! | `unbounded` | `true`, only when the retry never gives up |
//! | `deadline` | loops: `true` when only a total time limits them (a wait-for-ready poll) |
//! | `startup` | loops: `true` in a binary's `fn main`, outside closures and spawned tasks |
//! | `target` | the URL or host called, when it is a literal or a `const` |
//! | `reaches` | loops: how the loop reaches an integration point (`calls sqlx::query`) |
//! | `local` | loops: why it retries nothing remote; the retry rules leave it ([`reach`]) |
//! | `method`, `idempotency-key` | loops sending a POST or PATCH through a catalogued client: the method, and how a key is set |
//! | `helper`, `call-sites` | loops calling a parameter (a retry helper): the function, and how many calls of it the package makes |
//!
//! Every node's span is the fact's span (the loop header, the strategy construction), so
//! a finding points at its first line; the `delay` value's span is the sleep or strategy
//! expression that decided the delay.
//!
//! What counts as a retry loop (precision first; a loop over a collection is not one):
//! a `for` over a range, `while let Err(..) = ..`, `while cond` or `loop`, whose body
//! awaits (or sleeps), matches `Ok`/`Err` (`match`, `if let`) and leaves on success
//! (`return`/`break` in the `Ok` branch, or `continue` on `Err` before a final exit).
//! Its delay comes from the sleeps in its body (`delay.rs`), followed one call into a
//! helper of the same file and into `tokio::select!` bodies. Retry crates come from the
//! catalogue ([`RetryCatalog`], `apis/retry.toml`).
//!
//! Code under `#[cfg(test)]` and in `#[test]`/`#[tokio::test]` functions is skipped.
//! Visitors stop descending past [`MAX_DEPTH`] nested expressions.

pub mod catalog;
mod context;
mod crates;
mod delay;
mod loops;
pub mod reach;
mod strategies;
mod target;
mod walk;
mod words;

#[cfg(test)]
mod tests;

pub use catalog::RetryCatalog;

use crate::tree::{Node, Span, Value};

/// How deep the visitors descend into nested expressions.
pub const MAX_DEPTH: usize = 128;

/// One retry site.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RetryFact {
    /// Byte range in the file text of the loop header or the policy construction; its
    /// first line is where a finding points.
    pub span: Span,
    pub source: RetrySource,
    pub delay: Delay,
    /// The sleep or strategy expression that decided `delay`.
    pub delay_span: Option<Span>,
    /// A constant delay's length in seconds, when the file writes it with literals
    /// (directly, or through a `const` or `let`); the shortest of several.
    #[serde(default)]
    pub delay_seconds: Option<f64>,
    /// Loops: limited only by a total time (an `elapsed()`/deadline comparison, an
    /// enclosing `timeout(..)`), not by an attempt count: a wait-for-ready poll.
    #[serde(default)]
    pub deadline: bool,
    /// Loops: in a binary's `fn main`, outside closures and spawned tasks: run once
    /// per process start.
    #[serde(default)]
    pub startup: bool,
    /// Never gives up: a `tokio-retry` strategy without `.take(n)`, a `loop` without an
    /// attempt bound.
    pub unbounded: bool,
    /// An attempt count limits it: a range (`for _ in 0..n`), a counter the loop
    /// compares, a strategy's attempt bound (its own or its crate's default).
    #[serde(default)]
    pub attempt_limit: bool,
    /// The literal or `const` URL (or host) called inside, when visible.
    pub target: Option<String>,
    /// Loops: the whole loop, where a client request made inside it lies.
    #[serde(default)]
    pub body: Span,
    /// Loops: the functions and methods the loop calls (last segments, sorted, once
    /// each); the link step looks them up among the package's functions that reach a
    /// client request ([`reach`]).
    #[serde(default)]
    pub calls: Vec<String>,
    /// Evidence, seen in the file, that the retried work is an integration point
    /// (`calls sqlx::query`: a path of a catalogued client crate), or that the file
    /// cannot decide (`calls parameter f`: a retry helper whose callers pass the work).
    /// Crate retries always are subjects and carry none.
    #[serde(default)]
    pub reaches: Option<String>,
    /// Loops that call a parameter of their function: the function, a retry helper
    /// whose callers pass the work; the link step counts its call sites.
    #[serde(default)]
    pub helper: Option<String>,
    /// Loops: the mutating method a catalogued client sends in the attempt (`POST`,
    /// `PATCH`), retried with the same body.
    #[serde(default)]
    pub method: Option<String>,
    /// Loops sending a mutation: how the request carries an idempotency key (`header
    /// idempotency-key`, `IDEMPOTENCY_KEY`), when it does.
    #[serde(default)]
    pub key: Option<String>,
}

impl RetryFact {
    /// A retry crate's strategy or policy at `span`, bounded and with no target
    /// until the caller says otherwise; the loops' fields (body, calls, reach,
    /// helper, method, key) stay empty.
    pub fn of_crate(
        span: Span,
        krate: String,
        strategy: String,
        delay: Delay,
        delay_span: Option<Span>,
    ) -> Self {
        RetryFact {
            span,
            source: RetrySource::Crate { krate, strategy },
            delay,
            delay_span,
            delay_seconds: None,
            unbounded: false,
            attempt_limit: false,
            deadline: false,
            startup: false,
            target: None,
            body: Span::default(),
            calls: Vec::new(),
            reaches: None,
            helper: None,
            method: None,
            key: None,
        }
    }
}

/// Where a retry comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum RetrySource {
    /// A hand-written loop; `form` is `for`, `while-let`, `while` or `loop`.
    Loop { form: &'static str },
    /// A retry crate's strategy or policy; `strategy` is the constructor's path.
    Crate { krate: String, strategy: String },
}

/// [`RetrySource`] as a cache holds it (see [`crate::cache`]): a loop's form as text.
#[derive(serde::Deserialize)]
enum CachedSource {
    Loop { form: String },
    Crate { krate: String, strategy: String },
}

impl<'de> serde::Deserialize<'de> for RetrySource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RetrySource::try_from(CachedSource::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl TryFrom<CachedSource> for RetrySource {
    type Error = &'static str;

    /// A loop's form back as the static name it was; any other text is refused, so
    /// a corrupted cache entry is a miss, never a new name.
    fn try_from(cached: CachedSource) -> Result<Self, Self::Error> {
        Ok(match cached {
            CachedSource::Loop { form } => RetrySource::Loop {
                form: ["for", "while-let", "while", "loop"]
                    .into_iter()
                    .find(|f| *f == form)
                    .ok_or("unknown loop form")?,
            },
            CachedSource::Crate { krate, strategy } => RetrySource::Crate { krate, strategy },
        })
    }
}

/// The wait between attempts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Delay {
    /// Retries at once.
    None,
    /// The same wait every time.
    Constant,
    /// Could not tell (an opaque call computes it): never a finding.
    Unknown,
    /// Waits longer after each failure.
    Growing,
}

impl Delay {
    pub fn name(self) -> &'static str {
        match self {
            Delay::None => "none",
            Delay::Constant => "constant",
            Delay::Unknown => "unknown",
            Delay::Growing => "growing",
        }
    }

    /// Joins two parts of one computation: growth wins, then doubt, then a constant.
    pub(crate) fn join(self, other: Delay) -> Delay {
        self.max(other)
    }
}

/// The retry sites of one file.
pub fn retries(file: &syn::File, text: &str, catalog: &RetryCatalog) -> Vec<RetryFact> {
    let index = crate::extract::rust::front::index::Index::of(file);
    let imports = crate::extract::rust::front::imports::Imports::of(&index, None);
    // The words the depth scan notes, as a run notes them before its parse.
    let shapes = catalog.path_index().strategy_words.hit_shapes();
    let mut hits = crate::extract::rust::scan::Hits {
        shapes,
        found: Vec::new(),
    };
    let scanned = crate::extract::rust::scan::check_size(
        text,
        crate::extract::rust::scan::MAX_DEPTH,
        usize::MAX,
        &mut hits,
    );
    let hits = scanned.is_ok().then_some(&hits.found[..]);
    retries_at(file, &index, &imports, Positions::new(text), catalog, hits)
}

/// [`retries`] with the positions of the file's text (line starts already known).
/// `hits`: the words of the code the depth scan noted, of the shapes
/// [`words::StrategyWords::hit_shapes`] gives (`None`: the text is scanned here).
pub(crate) fn retries_at<'a>(
    file: &'a syn::File,
    index: &crate::extract::rust::front::index::Index<'a>,
    imports: &crate::extract::rust::front::imports::Imports<'_>,
    pos: Positions<'_>,
    catalog: &RetryCatalog,
    hits: Option<&[(usize, usize)]>,
) -> Vec<RetryFact> {
    let text = pos.text();
    let renames = imports.deps().map(|d| d.renames()).unwrap_or_default();
    let crates = catalog.may_be_used_in(text, &renames);
    let Some(ctx) = Ctx::new(index, imports, pos, catalog, crates, hits) else {
        return Vec::new();
    };
    let mut facts = loops::find(&ctx, file);
    if crates {
        facts.extend(crates::find(&ctx, file));
    }
    facts.sort_by_key(|f| (f.span.start, f.span.end));
    facts.dedup_by_key(|f| f.span);
    facts
}

/// The facts as a positioned tree: a sequence of maps (see the module docs).
pub fn to_node(facts: &[RetryFact]) -> Node {
    to_node_reached(facts, |_| (reach::Reached::Policy, None))
}

/// [`to_node`] with what each site retries, as the package's link step decides it
/// ([`reach::Reach::of`]): a loop that reaches an integration point carries `reaches`
/// (how), one that retries only local work carries `local` (why); a retry helper
/// carries `helper` and `call-sites` (how many calls of it the package makes).
pub fn to_node_reached(
    facts: &[RetryFact],
    reached: impl Fn(&RetryFact) -> (reach::Reached, Option<usize>),
) -> Node {
    let items = facts.iter().map(|f| fact_node(f, &reached)).collect();
    let whole = match (facts.first(), facts.last()) {
        (Some(a), Some(b)) => Span::new(a.span.start, b.span.end.max(a.span.end)),
        _ => Span::default(),
    };
    Node {
        value: Value::Seq(items),
        span: whole,
    }
}

/// The map of one fact (see the module docs), with what `reached` says it retries.
fn fact_node(
    f: &RetryFact,
    reached: &impl Fn(&RetryFact) -> (reach::Reached, Option<usize>),
) -> Node {
    let key = |k: &str| Node::scalar(k, false, f.span);
    let text = |v: &str| Node::scalar(v, true, f.span);
    let mut map = Vec::new();
    match &f.source {
        RetrySource::Loop { form } => {
            map.push((key("kind"), text("loop")));
            map.push((key("form"), text(form)));
        }
        RetrySource::Crate { krate, strategy } => {
            map.push((key("kind"), text("crate")));
            map.push((key("crate"), text(krate)));
            map.push((key("strategy"), text(strategy)));
        }
    }
    map.push((
        key("delay"),
        Node::scalar(f.delay.name(), true, f.delay_span.unwrap_or(f.span)),
    ));
    if let Some(s) = f.delay_seconds {
        map.push((
            key("delay-seconds"),
            Node::scalar(s.to_string(), false, f.delay_span.unwrap_or(f.span)),
        ));
    }
    push_flags(&mut map, f);
    if let Some(target) = &f.target {
        map.push((key("target"), text(target)));
    }
    let (how, call_sites) = reached(f);
    if let Some(m) = &f.method {
        map.push((key("method"), text(m)));
    }
    if let Some(k) = &f.key {
        map.push((key("idempotency-key"), text(k)));
    }
    if let Some(h) = &f.helper {
        map.push((key("helper"), text(h)));
    }
    if let Some(n) = call_sites {
        map.push((
            key("call-sites"),
            Node::scalar(n.to_string(), false, f.span),
        ));
    }
    match how {
        reach::Reached::Policy => {}
        reach::Reached::Integration(how) => map.push((key("reaches"), text(&how))),
        reach::Reached::Local(why) => map.push((key("local"), text(&why))),
    }
    Node {
        value: Value::Map(map),
        span: f.span,
    }
}

/// The flags of a fact that hold (`unbounded`, `deadline`, `attempt-limit`,
/// `startup`): a key is present only when `true`, which is what the rules ask.
fn push_flags(map: &mut Vec<(Node, Node)>, f: &RetryFact) {
    let key = |k: &str| Node::scalar(k, false, f.span);
    if f.unbounded {
        map.push((key("unbounded"), Node::scalar("true", false, f.span)));
    }
    if f.deadline {
        map.push((key("deadline"), Node::scalar("true", false, f.span)));
    }
    if f.attempt_limit {
        map.push((key("attempt-limit"), Node::scalar("true", false, f.span)));
    }
    if f.startup {
        map.push((key("startup"), Node::scalar("true", false, f.span)));
    }
}

/// Whether a name is one of stopping (`shutdown_rx`, `stop`, `cancel_token`,
/// `terminate`, `quit`, `exit`, `closing`, `kill`): a receiver so named carries the
/// stop signal a loop or a wait listens to.
pub(crate) fn named_for_stopping(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "shutdown", "stop", "cancel", "terminat", "quit", "exit", "closing", "kill",
    ]
    .iter()
    .any(|s| name.contains(s))
}

pub(crate) use crate::extract::rust::front::positions::Positions;
pub(crate) use context::{Ctx, Lets};

/// Test-only code: the front end's one mask.
pub(crate) use crate::extract::rust::front::test_code::{is_skipped_fn, is_test, is_test_mod};
