//! Channels a function keeps to itself: a `while let Some(x) = rx.recv().await` on a
//! channel whose two ends the same function makes (`let (tx, mut rx) = channel(1);`)
//! and whose sender only the function's own code holds ends when that code is done
//! sending, so it is no sign of a long-running process (unlike a consumer of a
//! channel another component feeds). Komac's `remove-dead-versions` hands the URLs it
//! found dead to a task that asks the person about each one; backup_app_rust pipes a
//! gzip file a spawned thread reads into a `psql` child. If the sender goes to a task
//! that never ends, that task's own loop shows the process.
//!
//! The sender (and what a `let` binds to it: `let tx = tx.clone();`, `let tx = &tx;`)
//! stays the function's when every other mention of it is a method call on it
//! (`tx.send(x).await`), inside a spawned task (a call whose last segment starts with
//! `spawn`: `tokio::spawn(..)`, `spawn_blocking(..)`, a package's `spawn_threadpool`)
//! or inside a closure given to a method (`stream.map(|v| .. tx.send(v) ..)`, an
//! adapter the function drives), or `drop(tx)`. Given to any other call, a closure
//! given to a function (`notify::recommended_watcher(move |e| tx.send(e))`, a callback
//! a library calls for as long as it runs), stored, returned or named in a macro, it
//! may outlive the function: the loop stays a sign.

use syn::visit::Visit;
use syn::Expr;

use super::shape::pat_ident;

/// The constructors of a channel's two ends, by last segment (tokio, std, flume,
/// crossbeam, async-channel).
const CHANNELS: [&str; 5] = [
    "channel",
    "unbounded_channel",
    "sync_channel",
    "unbounded",
    "bounded",
];

/// The receivers of the channels a function body makes at its top level and keeps
/// to itself (module doc).
pub(in crate::extract::rust::clients) fn local_receivers(body: &syn::Block) -> Vec<String> {
    let mut out = Vec::new();
    for s in &body.stmts {
        let syn::Stmt::Local(l) = s else { continue };
        if let Some((tx, rx)) = channel_ends(l) {
            if stays_local(body, tx) {
                out.push(rx);
            }
        }
    }
    out
}

/// `let (tx, rx) = ..channel(..);`: the sender's and the receiver's names.
fn channel_ends(l: &syn::Local) -> Option<(String, String)> {
    let syn::Pat::Tuple(t) = &l.pat else {
        return None;
    };
    let (Some(tx), Some(rx), 2) = (t.elems.first(), t.elems.last(), t.elems.len()) else {
        return None;
    };
    let Expr::Call(c) = &*l.init.as_ref()?.expr else {
        return None;
    };
    let Expr::Path(f) = &*c.func else {
        return None;
    };
    let last = f.path.segments.last()?;
    if !CHANNELS.iter().any(|n| last.ident == n) {
        return None;
    }
    Some((pat_ident(tx)?.to_string(), pat_ident(rx)?.to_string()))
}

/// Whether every mention of `sender` in `body` keeps it to the function (module doc).
fn stays_local(body: &syn::Block, sender: String) -> bool {
    let mut uses = Uses {
        names: vec![sender],
        escapes: false,
    };
    uses.visit_block(body);
    !uses.escapes
}

/// The walk behind [`stays_local`]: the sender's names, and whether one escapes.
struct Uses {
    names: Vec<String>,
    escapes: bool,
}

impl Uses {
    fn is_sender(&self, e: &Expr) -> bool {
        match e {
            Expr::Path(p) => {
                (p.path.get_ident()).is_some_and(|i| self.names.iter().any(|n| i == n))
            }
            Expr::Reference(r) => self.is_sender(&r.expr),
            Expr::MethodCall(m) if m.method == "clone" => self.is_sender(&m.receiver),
            _ => false,
        }
    }

    /// Whether an expression names the sender anywhere (closures included).
    fn mentions(&self, e: &Expr) -> bool {
        let mut finder = Mentions(&self.names, false);
        finder.visit_expr(e);
        finder.1
    }
}

/// Any mention of one of the names, in macros too.
struct Mentions<'n>(&'n [String], bool);

impl<'a> Visit<'a> for Mentions<'_> {
    fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
        self.1 |= (p.path.get_ident()).is_some_and(|i| self.0.iter().any(|n| i == n));
    }
    fn visit_macro(&mut self, m: &'a syn::Macro) {
        self.1 |= names_in(&m.tokens, self.0);
    }
}

/// Whether `tokens` hold one of `names` as an identifier, inside groups too
/// (`join!(async { tx.send(1).await })`).
fn names_in(tokens: &proc_macro2::TokenStream, names: &[String]) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        proc_macro2::TokenTree::Group(g) => names_in(&g.stream(), names),
        proc_macro2::TokenTree::Ident(i) => names.iter().any(|n| i == n),
        _ => false,
    })
}

impl<'a> Visit<'a> for Uses {
    fn visit_local(&mut self, l: &'a syn::Local) {
        // `let tx = tx.clone();`, `let sender = &sender;`: another name for it; so is
        // a closure or async block that uses it (`let f = move || tx.send(1);`), which
        // is judged where it goes.
        if let (Some(init), Some(name)) = (&l.init, pat_ident(&l.pat)) {
            let carries = matches!(&*init.expr, Expr::Closure(_) | Expr::Async(_))
                && self.mentions(&init.expr);
            if self.is_sender(&init.expr) || carries {
                self.names.push(name.to_string());
                return;
            }
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
        // `tx.send(x)`: a use of it, not a hand-over.
        if !self.is_sender(&m.receiver) {
            self.visit_expr(&m.receiver);
        }
        for a in &m.args {
            // A closure given to a method is an adapter the function drives.
            match a {
                Expr::Closure(c) => self.visit_expr(&c.body),
                _ => self.visit_expr(a),
            }
        }
    }

    fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
        let last = match &*c.func {
            Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        match last.as_deref() {
            // What a spawned task does with it, that task's own loop shows.
            Some(l) if l.starts_with("spawn") => {}
            Some("drop") if c.args.len() == 1 && self.is_sender(&c.args[0]) => {}
            _ => {
                self.visit_expr(&c.func);
                // Given to a function, in a closure or not, it may outlive this one.
                self.escapes |= c.args.iter().any(|a| self.mentions(a));
            }
        }
    }

    fn visit_expr_path(&mut self, p: &'a syn::ExprPath) {
        // Any other mention: stored, returned, given to a struct.
        self.escapes |= (p.path.get_ident()).is_some_and(|i| self.names.iter().any(|n| i == n));
    }

    fn visit_macro(&mut self, m: &'a syn::Macro) {
        let mut finder = Mentions(&self.names, false);
        finder.visit_macro(m);
        self.escapes |= finder.1;
    }

    fn visit_item(&mut self, _: &'a syn::Item) {}
}
