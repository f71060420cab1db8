//! A task spawned only to watch for signals (`tokio::spawn(async move { let mut int =
//! signal(SignalKind::interrupt())?; loop { select! { Some(()) = int.recv() => {
//! tx.send(()).ok(); } } } })`: nix-installer's installer relays Ctrl-C to its
//! cleanup) is no sign that the process lasts: the task lives while the process does,
//! and the process lasts as long as its other work. A daemon waits for its shutdown
//! signal in code of its own (`ctrl_c().await` at the end of `main`, a server's
//! graceful shutdown) or shows its lasting work elsewhere (a server, a loop).
//!
//! Nor is a wait for the terminal's resize (`signal(SignalKind::window_change())`,
//! SIGWINCH: stackablectl's `debug` command redraws a remote shell): a person's
//! terminal sends it, no service manager's shutdown.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit::Visit;
use syn::Expr;

use super::shape::pat_ident;

/// Whether `e` spawns a task that only watches signals (module doc): a `spawn(async
/// { .. })` whose block binds signal streams (`signal(..)`, `ctrl_c()`) and awaits
/// nothing but them and channel sends.
pub(crate) fn spawns_signal_watcher(e: &Expr) -> bool {
    let Expr::Call(c) = e else {
        return false;
    };
    let Expr::Path(p) = &*c.func else {
        return false;
    };
    let spawn = p.path.segments.last().is_some_and(|s| s.ident == "spawn");
    match c.args.first() {
        Some(Expr::Async(task)) if spawn && c.args.len() == 1 => watches_signals(&task.block),
        _ => false,
    }
}

/// Whether a task's block only watches signals: it binds at least one signal stream
/// and every wait in it (an `.await`, a `select!` branch's `.recv()`) is on one of
/// them, on `ctrl_c()`, or a channel send.
fn watches_signals(block: &syn::Block) -> bool {
    let streams: Vec<String> = (block.stmts.iter())
        .filter_map(|s| match s {
            syn::Stmt::Local(l) if names_signal(&l.init.as_ref()?.expr) => {
                pat_ident(&l.pat).map(ToString::to_string)
            }
            _ => None,
        })
        .collect();
    !streams.is_empty() && waits_only_on(block.to_token_stream(), &streams)
}

/// Whether a call makes a stream of the terminal's resizes:
/// `signal(SignalKind::window_change())`.
pub(crate) fn terminal_signal(c: &syn::ExprCall) -> bool {
    let last = |e: &Expr, name: &str| matches!(e, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name));
    match c.args.first() {
        Some(Expr::Call(kind)) if c.args.len() == 1 => {
            last(&c.func, "signal") && last(&kind.func, "window_change")
        }
        _ => false,
    }
}

/// Whether the `while` at `stmts[i]` waits on the terminal's resizes: its condition
/// awaits `x.recv()`, `x` bound before it in the block to a [`terminal_signal`]
/// (through `.unwrap()`, `.expect(..)`, `?`).
pub(crate) fn watches_terminal(stmts: &[syn::Stmt], i: usize) -> bool {
    let Some(syn::Stmt::Expr(Expr::While(w), _)) = stmts.get(i) else {
        return false;
    };
    let Some(m) = super::finite::awaited_method(w) else {
        return false;
    };
    let Expr::Path(receiver) = &*m.receiver else {
        return false;
    };
    let Some(name) = receiver.path.get_ident().filter(|_| m.method == "recv") else {
        return false;
    };
    let bound = stmts[..i].iter().rev().find_map(|s| match s {
        syn::Stmt::Local(l) if pat_ident(&l.pat) == Some(name) => Some(l),
        _ => None,
    });
    let Some(mut init) = bound.and_then(|l| l.init.as_ref()).map(|i| &*i.expr) else {
        return false;
    };
    loop {
        match init {
            Expr::Try(t) => init = &t.expr,
            Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
                init = &m.receiver;
            }
            Expr::Call(c) => return terminal_signal(c),
            _ => return false,
        }
    }
}

/// Whether an expression names a signal source in a path: a `signal` segment
/// (`tokio::signal::ctrl_c()`, `signal(SignalKind::interrupt())`) or `ctrl_c`.
pub(super) fn names_signal(e: &Expr) -> bool {
    struct Names(bool);
    impl<'a> Visit<'a> for Names {
        fn visit_path_segment(&mut self, s: &'a syn::PathSegment) {
            self.0 |= s.ident == "signal" || s.ident == "ctrl_c";
            syn::visit::visit_path_segment(self, s);
        }
    }
    let mut names = Names(false);
    names.visit_expr(e);
    names.0
}

/// Whether every wait in `tokens` is on one of `streams` (`int.recv()`, with or
/// without `.await`), a `ctrl_c()`, or a send (`tx.send(())`).
fn waits_only_on(tokens: TokenStream, streams: &[String]) -> bool {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, t) in tokens.iter().enumerate() {
        if let TokenTree::Group(g) = t {
            if !waits_only_on(g.stream(), streams) {
                return false;
            }
            continue;
        }
        let TokenTree::Ident(word) = t else {
            continue;
        };
        let after_dot =
            i >= 1 && matches!(&tokens[i - 1], TokenTree::Punct(p) if p.as_char() == '.');
        if !after_dot {
            continue;
        }
        let ok = if word == "await" {
            awaited_ok(&tokens[..i - 1], streams)
        } else if word == "recv" {
            receiver_is(&tokens[..i], streams)
        } else {
            true
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Whether what precedes an `.await` is a wait allowed (`int.recv()`, `ctrl_c()`,
/// `tx.send(..)`): the call's group, its name, and before a method a dot.
fn awaited_ok(before: &[TokenTree], streams: &[String]) -> bool {
    let [.., TokenTree::Ident(name), TokenTree::Group(_)] = before else {
        return false;
    };
    let n = before.len();
    if name == "ctrl_c" {
        return true;
    }
    let method = n >= 3 && matches!(&before[n - 3], TokenTree::Punct(p) if p.as_char() == '.');
    method && (name == "send" || (name == "recv" && receiver_is(&before[..n - 2], streams)))
}

/// Whether the tokens before `.recv` end with one of `streams` (a variable).
fn receiver_is(before: &[TokenTree], streams: &[String]) -> bool {
    let [.., TokenTree::Ident(r), TokenTree::Punct(_)] = before else {
        return false;
    };
    streams.iter().any(|s| r == s)
}

#[cfg(test)]
mod tests {
    use super::spawns_signal_watcher;

    fn watcher(src: &str) -> bool {
        spawns_signal_watcher(&syn::parse_str(src).expect("an expression"))
    }

    #[test]
    fn a_task_relaying_signals_is_a_watcher() {
        assert!(watcher(
            "tokio::spawn(async move {
                let mut int = signal(SignalKind::interrupt()).expect(\"handler\");
                let mut term = tokio::signal::unix::signal(SignalKind::terminate()).unwrap();
                loop {
                    tokio::select! {
                        Some(()) = int.recv() => { tx.send(()).ok(); },
                        Some(()) = term.recv() => { tx.send(()).ok(); },
                    }
                }
            })"
        ));
        assert!(watcher(
            "tokio::spawn(async move { let mut s = signal(k)?; s.recv().await; tx.send(()).await.ok(); })"
        ));
    }

    #[test]
    fn a_wait_for_the_terminal_s_resizes_is_no_service_s() {
        let block: syn::Block = syn::parse_str(
            "{ let mut resized = signal(SignalKind::window_change()).unwrap();
               redraw();
               while let Some(()) = resized.recv().await { redraw(); } }",
        )
        .expect("a block");
        assert!(super::watches_terminal(&block.stmts, 2));
        let block: syn::Block = syn::parse_str(
            "{ let mut term = signal(SignalKind::terminate())?;
               while let Some(()) = term.recv().await { reload(); } }",
        )
        .expect("a block");
        assert!(!super::watches_terminal(&block.stmts, 1));
    }

    #[test]
    fn a_task_doing_other_work_is_not() {
        assert!(!watcher(
            "tokio::spawn(async move {
                let mut int = signal(SignalKind::interrupt()).unwrap();
                loop { select! { _ = int.recv() => break, m = rx.recv() => handle(m).await } }
            })"
        ));
        assert!(!watcher(
            "tokio::spawn(async move { let mut int = signal(k).unwrap(); poll(&client).await; })"
        ));
        assert!(!watcher(
            "tokio::spawn(async move { loop { tick().await; } })"
        ));
        assert!(!watcher(
            "other(async move { let mut s = signal(k)?; s.recv().await; })"
        ));
    }
}
