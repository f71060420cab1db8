//! `while` loops that await and still end with their work, so no sign of a
//! long-running process (unlike a consumer's `while let Some(m) = rx.recv().await`):
//! - a `while let Some(r) = tasks.join_next().await` drains a `JoinSet` of tasks
//!   spawned before it (pesde's parallel downloads) and stops when the set is empty;
//!   a supervisor that spawns into the same set inside the loop (a task restarted
//!   when it ends) keeps running and still counts;
//! - a loop whose body `yield`s is a generator's (`stream! { while let Some(c) =
//!   body.next().await { yield c } }`): its consumer drives it and decides when it
//!   stops;
//! - a loop whose body first fails out on the item it read (`let entry = entry?;`,
//!   through adapters: `entry.map_err(Error::Read)?`) reads to the end, as
//!   `while let Some(r) = rows.try_next().await?` does ([`super::shape::reads_to_end`],
//!   whose known limit it shares);
//! - a `while let Some(x) = rx.recv().await` drains a channel the function makes and
//!   keeps to itself, and ends when the function's own code stops sending
//!   ([`super::pipeline`]).

use syn::visit::Visit;
use syn::Expr;

use crate::extract::rust::front::ident::with_ident_str;

/// The methods of tokio's `JoinSet` that give the next finished task, `None` once the
/// set is empty.
const DRAINS: [&str; 2] = ["join_next", "join_next_with_id"];

/// Whether a `while` that awaits ends with its work (module doc). A loop draining a
/// set of tasks is judged by whether it spawns into the set, whatever else it does.
pub(super) fn ends_with_its_work(w: &syn::ExprWhile) -> bool {
    match drained_set(w) {
        Some(set) => !spawns_into(&w.body, set),
        None => yields(&w.body) || fails_out_on_its_item(w),
    }
}

/// The method call a `while let .. = x.method(..).await` awaits in its condition.
pub(super) fn awaited_method(w: &syn::ExprWhile) -> Option<&syn::ExprMethodCall> {
    let Expr::Let(l) = &*w.cond else {
        return None;
    };
    let Expr::Await(a) = &*l.expr else {
        return None;
    };
    match &*a.base {
        Expr::MethodCall(m) => Some(m),
        _ => None,
    }
}

/// Whether a `while let Some(x) = rx.recv().await` drains one of `receivers` (the
/// channels the function keeps to itself, [`super::pipeline`]).
pub(super) fn drains(w: &syn::ExprWhile, receivers: &[String]) -> bool {
    let Some(m) = awaited_method(w).filter(|m| m.method == "recv") else {
        return false;
    };
    matches!(&*m.receiver, Expr::Path(p)
        if p.path.get_ident().is_some_and(|i| receivers.iter().any(|r| i == r)))
}

/// The set of tasks a `while let Some(r) = set.join_next().await` drains (its last
/// name: `tasks`, `self.tasks`).
fn drained_set(w: &syn::ExprWhile) -> Option<String> {
    let m = awaited_method(w)?;
    if !DRAINS.iter().any(|d| m.method == d) {
        return None;
    }
    last_name(&m.receiver)
}

/// Whether a loop's body spawns a task into `set` (`set.spawn(..)`).
fn spawns_into(body: &syn::Block, set: String) -> bool {
    let mut spawns = Spawns { set, found: false };
    spawns.visit_block(body);
    spawns.found
}

/// Whether a loop's body yields (outside nested closures, async blocks and items).
fn yields(body: &syn::Block) -> bool {
    struct Yields(bool);
    impl<'a> Visit<'a> for Yields {
        fn visit_expr_yield(&mut self, _: &'a syn::ExprYield) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut y = Yields(false);
    y.visit_block(body);
    y.0
}

/// Whether a `while let Some(x) = ...await` begins by failing out on `x`: its first
/// statement is `let .. = x?;` (through pass-through adapters, `x.map_err(E)?`).
fn fails_out_on_its_item(w: &syn::ExprWhile) -> bool {
    let Expr::Let(l) = &*w.cond else {
        return false;
    };
    let syn::Pat::TupleStruct(t) = &*l.pat else {
        return false;
    };
    let (true, Some(syn::Pat::Ident(item))) = (t.path.is_ident("Some"), t.elems.first()) else {
        return false;
    };
    let Some(syn::Stmt::Local(syn::Local {
        init: Some(init), ..
    })) = w.body.stmts.first()
    else {
        return false;
    };
    let Expr::Try(tried) = &*init.expr else {
        return false;
    };
    matches!(super::methods::passed_through(&tried.expr),
        Expr::Path(p) if p.path.is_ident(&item.ident))
}

/// The last name of a receiver: `tasks`, `self.tasks`, `&mut tasks`.
fn last_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.get_ident().map(ToString::to_string),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        Expr::Reference(r) => last_name(&r.expr),
        Expr::Paren(p) => last_name(&p.expr),
        _ => None,
    }
}

/// Finds a `set.spawn*(..)` in a loop's body (also in closures and async blocks it
/// holds: a task spawned from one still joins the set).
struct Spawns {
    set: String,
    found: bool,
}

impl<'a> Visit<'a> for Spawns {
    fn visit_expr_method_call(&mut self, m: &'a syn::ExprMethodCall) {
        let spawn = with_ident_str(&m.method, |n| n.starts_with("spawn"));
        self.found |= spawn && last_name(&m.receiver).is_some_and(|n| n == self.set);
        syn::visit::visit_expr_method_call(self, m);
    }
}

#[cfg(test)]
mod tests {
    use super::ends_with_its_work;

    fn drains(src: &str) -> bool {
        ends(src)
    }

    #[test]
    fn a_join_set_drained_to_its_end_is_finite() {
        assert!(drains(
            "while let Some(r) = tasks.join_next().await { r??; }"
        ));
        assert!(drains(
            "while let Some(r) = self.set.join_next_with_id().await { n += 1; }"
        ));
    }

    #[test]
    fn a_supervisor_spawning_into_the_set_runs_on() {
        assert!(!drains(
            "while let Some(r) = tasks.join_next().await { tasks.spawn(work()); }"
        ));
        assert!(!drains(
            "while let Some(r) = tasks.join_next().await { let i = r?; tasks.spawn(work(i)); }"
        ));
        assert!(!drains(
            "while let Some(r) = self.set.join_next().await { if r.is_err() { self.set.spawn_blocking(f); } }"
        ));
    }

    fn ends(src: &str) -> bool {
        let w: syn::ExprWhile = syn::parse_str(src).expect("a while loop");
        ends_with_its_work(&w)
    }

    #[test]
    fn a_generator_loop_is_its_consumer_s() {
        assert!(ends("while let Some(c) = body.next().await { yield c; }"));
        assert!(!ends(
            "while let Some(c) = body.next().await { tokio::spawn(async move { yield c; }); }"
        ));
    }

    #[test]
    fn a_loop_failing_out_on_its_first_item_reads_to_the_end() {
        assert!(ends(
            "while let Some(e) = entries.next().await { let e = e?; unpack(e); }"
        ));
        assert!(ends(
            "while let Some(r) = s.next().await { let mut e = r.map_err(Error::Read)?; unpack(e); }"
        ));
        // A consumer handling its failures goes on waiting.
        assert!(!ends("while let Some(m) = rx.next().await { handle(m?); }"));
        assert!(!ends(
            "while let Some(m) = rx.next().await { let x = other?; handle(m); }"
        ));
        assert!(!ends(
            "while let Some(m) = rx.next().await { let m = m.unwrap(); handle(m); }"
        ));
    }

    #[test]
    fn other_waits_are_not_drains() {
        assert!(!drains(
            "while let Some(m) = rx.recv().await { handle(m); }"
        ));
        assert!(!drains("while let Some(r) = tasks.join_next() { r; }"));
    }
}
