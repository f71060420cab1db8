//! Browser logins: a function that opens the user's browser (`webbrowser::open`,
//! `open::that`, the catalogue's `[browser-login] openers`) in a file that speaks
//! OAuth (it imports one of the `oauth` crates: `oauth2`, `openidconnect`) runs a
//! person's sign-in. The person watches the browser and the terminal, and waits for
//! the code to come back; a hung token exchange is in front of them, who can abort
//! it, as with a one-shot tool. So the clients of the login are not judged by the
//! timeout rule, nor their calls by the breaker rule (they carry `one-shot`).
//!
//! What counts as the login ([`login_functions`]): the functions that open the
//! browser; the functions of the same file that call one of them (the flow that then
//! waits for the code: librespot's `get_access_token_async` calls `set_auth_url`,
//! rattler's `perform_oauth_login` calls `auth_code_flow`); and the functions only
//! those run, across the workspace (sigstore's `auth_url_async` and
//! `redirect_listener_async`, which only `get_token` calls). A refresh of the token
//! that opens no browser (`refresh_token_async`) stays judged: a long-running
//! program refreshes unattended. A `main`, or a function whose own body runs long (a
//! loop, a server), is never the login, even when it opens the browser itself: the
//! program is. Known limit: a function of an OAuth file that calls the login once and
//! hands over to a long-running one elsewhere (an app's `start` that signs in, then
//! calls `serve()`) is taken for the login.
//!
//! Terminal prompts are the same case ([`Visitor::note_prompt`], the catalogue's
//! `[terminal-prompt]`): a function that asks the person at the terminal and waits
//! for the answer (`Input::new().with_prompt("Slack bot token").interact_text()?`) is a
//! root, and what only such functions run (the wizard's token check, Rustant's
//! `validate_slack_token`) is in front of that person. Not a prompt that runs long or
//! that a caller's endless loop asks once per round ([`FileFacts::loop_calls`]: a chat
//! turn that asks, then calls the model): there the program is the loop. Known
//! limits: any call inside the loop counts as once per round, so a wizard an endless
//! REPL loop runs for one typed command (`"/setup" => run_setup()`) stays judged; a
//! prompt a loop asks through a helper of its own (loop, `turn`, `ask`) is taken for a
//! wizard.
//!
//! [`FileFacts::loop_calls`]: crate::extract::rust::FileFacts::loop_calls

use rustc_hash::FxHashMap as HashMap;

use super::callgraph::CallGraph;
use super::entries::body_key;
use super::Visitor;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::{Catalog, Deps, FileFacts};

/// One file of a package: (candidate index, facts).
type PackageFile = (usize, FileFacts);

impl Visitor<'_, '_> {
    /// A call by path `segs` whose last segment may open the browser
    /// ([`crate::extract::rust::catalog::BrowserLogin::may_open`]): when it does, in a
    /// file that imports an OAuth crate, the function it is made in opens a login.
    pub(super) fn note_browser_opener(&mut self, segs: &[String]) {
        let login = &self.ctx.catalog.browser_login;
        let opens = (self.imports.resolve(segs).iter()).any(|p| {
            login
                .openers
                .iter()
                .any(|o| o.split("::").eq(p.iter().map(String::as_str)))
        });
        let oauth = || {
            self.facts.oauth_module
                || self
                    .imports
                    .uses_crate(|c| login.oauth.iter().any(|o| o == c))
        };
        if !opens || !oauth() {
            return;
        }
        if let Some(f) = (self.fn_name.as_ref()).filter(|f| !self.facts.login_openers.contains(f)) {
            self.facts.login_openers.push(f.clone());
        }
    }

    /// A chain that may wait on a terminal prompt's answer (a `[terminal-prompt]`
    /// method, `Select::new().items(&xs).interact()?`): in a file that imports a prompt
    /// crate, or on a prompt built by its path (`dialoguer::Input::new()`), the
    /// function it is made in asks the person at the terminal.
    pub(super) fn note_prompt(&mut self, base: &syn::Expr, calls: &[(&syn::ExprMethodCall, bool)]) {
        if !self.prompts {
            return;
        }
        let prompt = &self.ctx.catalog.terminal_prompt;
        let asks = |m: &syn::ExprMethodCall| with_ident_str(&m.method, |n| prompt.may_prompt(n));
        if !calls.iter().any(|(m, _)| asks(m)) {
            return;
        }
        let of_crate = |c: &str| prompt.crates.iter().any(|p| p == c);
        let by_path = match base {
            syn::Expr::Call(c) => match &*c.func {
                syn::Expr::Path(p) => {
                    (p.path.segments.first()).is_some_and(|s| with_ident_str(&s.ident, of_crate))
                }
                _ => false,
            },
            _ => false,
        };
        if !by_path && !self.imports.uses_crate(of_crate) {
            return;
        }
        if let Some(f) = (self.fn_name.as_ref()).filter(|f| !self.facts.prompters.contains(f)) {
            self.facts.prompters.push(f.clone());
        }
    }
}

/// Whether a file is a module named for a sign-in (`oauth.rs`, `oauth2/mod.rs`,
/// `login.rs`; not another file of such a folder, `login/routes.rs`): a hand-written
/// OAuth flow (PKCE and a token request with the HTTP client) imports no OAuth crate.
pub(super) fn oauth_module(path: &std::path::Path) -> bool {
    const NAMES: &[&str] = &["oauth", "oauth2", "login", "signin", "sso"];
    let stem = path.file_stem().and_then(|s| s.to_str());
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str());
    let named =
        |n: Option<&str>| n.is_some_and(|n| NAMES.contains(&n.to_ascii_lowercase().as_str()));
    named(stem) || (stem == Some("mod") && named(parent))
}

/// Whether a package may ask at the terminal: it depends on a prompt crate, or its
/// dependencies are unknown (no `Cargo.toml`). Asked once per file.
pub(super) fn may_prompt(deps: Option<&Deps>, catalog: &Catalog) -> bool {
    let crates = &catalog.terminal_prompt.crates;
    deps.is_none_or(|d| crates.iter().any(|c| d.depends_on(c)))
}

/// Per package (of `files.len()` many): the names of its functions that are a
/// browser login (see the module's doc), each with why.
/// `reach` as [`super::tools::Tools::reach`]: a caller counts only when its package
/// may call into the callee's.
pub(super) fn login_functions(
    graph: &CallGraph,
    files: &[&[PackageFile]],
    reach: &[bool],
) -> Vec<HashMap<String, String>> {
    let n = graph.bodies.len();
    let packages = files.len();
    let counts = |c: usize, b: usize| {
        let (cj, bj) = (graph.bodies[c].0, graph.bodies[b].0);
        reach.get(cj * packages + bj).copied().unwrap_or(true)
    };
    let mut bodies = Bodies::of(files, n);
    let root = bodies.roots(graph);
    let candidate: Vec<bool> = (0..n).map(|b| !graph.callers(b).is_empty()).collect();
    let mut marked = graph.only_from_where(&|c, _| root[c], &counts, candidate);
    for (m, r) in marked.iter_mut().zip(&root) {
        *m |= r;
    }
    let names = graph.names_by_package(files.len(), &|_| true, &marked);
    let mut out: Vec<HashMap<String, String>> = vec![HashMap::default(); files.len()];
    for (b, (j, info)) in graph.bodies.iter().enumerate() {
        let Some(set) = names[*j].as_ref().filter(|_| marked[b]) else {
            continue;
        };
        // By name, or by link key where same-named functions disagree.
        let Some(key) = [info.name.to_string(), body_key(info)]
            .into_iter()
            .find(|k| set.contains(k))
        else {
            continue;
        };
        let r = match root[b] {
            true => Some(b),
            false => graph.reaching_root(b, &marked, &|c, _| root[c]),
        };
        if let Some(why) = r.and_then(|r| bodies.why(graph, r)) {
            out[*j].entry(key).or_insert(why);
        }
    }
    out
}

/// What [`login_functions`] knows of each body of the run, by body index.
struct Bodies<'f> {
    /// Its file, an index over every file of the run.
    file_of: Vec<usize>,
    /// It opens the browser.
    opens: Vec<bool>,
    /// It asks the person at the terminal.
    prompts: Vec<bool>,
    /// A `main`, or a function whose own body runs long (a loop, a server), is the
    /// program, not its login: it is no root.
    runs_long: Vec<bool>,
    /// The names it calls once per round of its own endless loop.
    in_loop: Vec<Option<&'f [String]>>,
}

impl<'f> Bodies<'f> {
    fn of(files: &[&'f [PackageFile]], n: usize) -> Self {
        let mut b = Bodies {
            file_of: Vec::with_capacity(n),
            opens: Vec::with_capacity(n),
            prompts: Vec::with_capacity(n),
            runs_long: Vec::with_capacity(n),
            in_loop: Vec::with_capacity(n),
        };
        for (k, (_, f)) in files.iter().flat_map(|p| p.iter()).enumerate() {
            for info in &f.routes.fns {
                b.file_of.push(k);
                let key = body_key(info);
                let long = key == "main" || f.long_running_fns.contains(&key);
                b.opens.push(!long && f.login_openers.contains(&key));
                b.prompts.push(!long && f.prompters.contains(&key));
                b.runs_long.push(long);
                let looped = f.loop_calls.iter().find(|(k, _)| *k == key);
                b.in_loop.push(looped.map(|(_, names)| names.as_slice()));
            }
        }
        b.file_of.resize(n, usize::MAX);
        b.opens.resize(n, false);
        b.prompts.resize(n, false);
        b.runs_long.resize(n, true);
        b.in_loop.resize(n, None);
        b
    }

    /// The roots: the openers and the flow around each (its callers in the same
    /// file), and the prompts no caller's endless loop asks once per round (a chat
    /// turn: the program is the loop, not the question). Drops those prompts.
    fn roots(&mut self, graph: &CallGraph) -> Vec<bool> {
        let n = self.opens.len();
        let mut root = self.opens.clone();
        for b in (0..n).filter(|&b| self.opens[b]) {
            for &c in graph.callers(b) {
                root[c] |= self.file_of[c] == self.file_of[b] && !self.runs_long[c];
            }
        }
        for (b, r) in root.iter_mut().enumerate() {
            let name = graph.bodies[b].1.name.as_str();
            let in_loop = &self.in_loop;
            let each_round =
                |c: &usize| in_loop[*c].is_some_and(|names| names.iter().any(|x| x == name));
            self.prompts[b] &= !graph.callers(b).iter().any(each_round);
            *r |= self.prompts[b];
        }
        root
    }

    /// Why what root `r` reaches is a person's: its prompt, or its file's opener.
    fn why(&self, graph: &CallGraph, r: usize) -> Option<String> {
        if self.prompts[r] && !self.opens[r] {
            let asks = &graph.bodies[r].1.name;
            return Some(format!("runs only behind a terminal prompt (`{asks}` asks the person at the terminal and waits for the answer): the person waits on it and can abort it"));
        }
        let k = self.file_of[r];
        let o = (0..self.opens.len()).find(|&o| self.opens[o] && self.file_of[o] == k)?;
        let opener = &graph.bodies[o].1.name;
        Some(format!("part of a browser login (`{opener}` opens the browser for a person's OAuth sign-in): the person waits on it and can abort it"))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn a_module_named_for_a_sign_in_speaks_oauth() {
        assert!(super::oauth_module(Path::new("core/src/oauth.rs")));
        assert!(super::oauth_module(Path::new("src/login/mod.rs")));
        assert!(super::oauth_module(Path::new("src/SSO.rs")));
        assert!(!super::oauth_module(Path::new("src/dashboard.rs")));
        assert!(!super::oauth_module(Path::new("src/login/routes.rs")));
        assert!(!super::oauth_module(Path::new("src/auth.rs")));
    }
}
