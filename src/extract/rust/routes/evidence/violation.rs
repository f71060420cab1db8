//! A unique-key violation answered with an error, in a `match` over a write: the arm
//! catching it by name (`Err(DatabaseError(UniqueViolation, _)) => Err(..)`, the
//! catalogue's `refusals`), or an arm catching any error that asks the error itself
//! before answering, as sea-orm's docs do (`Err(e) => match e.sql_err() {
//! Some(SqlErr::UniqueConstraintViolation(_)) => return Err(..), .. }`, `if let
//! Some(SqlErr::UniqueConstraintViolation(_)) = e.sql_err() { return Err(..) }`, `if
//! matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) { .. }`).

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// What a pattern, guard or condition names: a refusal, or one of `vars`.
struct Names<'c> {
    refusals: &'c [String],
    vars: &'c [String],
    refusal: bool,
    var: bool,
}

impl Names<'_> {
    fn ident(&mut self, id: &proc_macro2::Ident) {
        self.refusal |= self.refusals.iter().any(|r| id == r);
        self.var |= self.vars.iter().any(|v| id == v);
    }

    /// `matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))` keeps its
    /// arguments as tokens.
    fn tokens(&mut self, ts: &TokenStream) {
        for tt in ts.clone() {
            match tt {
                TokenTree::Ident(id) => self.ident(&id),
                TokenTree::Group(g) => self.tokens(&g.stream()),
                _ => {}
            }
        }
    }
}

impl<'ast> Visit<'ast> for Names<'_> {
    fn visit_ident(&mut self, id: &'ast proc_macro2::Ident) {
        self.ident(id);
    }
}

/// Finds an error answer: an `Err(..)` value or an error macro (`bail!`, `err!`).
struct Errs(bool);

impl<'ast> Visit<'ast> for Errs {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            self.0 |= p.path.segments.last().is_some_and(|s| s.ident == "Err");
        }
        visit::visit_expr_call(self, c);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.0 |= super::answer::error_macro(m);
    }
}

/// The arm answers an error (see [`Errs`]).
fn answers_error(e: &syn::Expr) -> bool {
    let mut v = Errs(false);
    v.visit_expr(e);
    v.0
}

/// What an arm catching a unique-key violation answers for it.
#[derive(Clone, Copy, PartialEq)]
enum Answer {
    /// An error: the repeat is refused.
    Refuses,
    /// `Ok` and no error: the violation passes as a success (an insert-or-ignore).
    Passes,
}

impl Answer {
    fn by_expr(self, e: &syn::Expr) -> bool {
        match self {
            Answer::Refuses => answers_error(e),
            Answer::Passes => answers_ok(e) && !answers_error(e),
        }
    }

    fn by_block(self, b: &syn::Block) -> bool {
        let mut errs = Errs(false);
        errs.visit_block(b);
        match self {
            Answer::Refuses => errs.0,
            Answer::Passes => !errs.0 && block_answers_ok(b),
        }
    }
}

/// A refusal arm: its pattern or guard names a unique-key violation and it answers an
/// error, or it catches an error its body asks about (see [`asks_violation`]).
pub(super) fn refusal_arm(arm: &syn::Arm, refusals: &[String]) -> bool {
    violation_arm(arm, refusals, Answer::Refuses)
}

/// An arm that lets a unique-key violation pass as a success: its pattern or guard
/// names the violation and it answers `Ok` and no error (`Err(DatabaseError(
/// UniqueViolation, _)) => Ok(())`), or it catches the error and asks it, answering `Ok`
/// where it is a violation (`Err(e) => match e.sql_err() { Some(SqlErr::
/// UniqueConstraintViolation(_)) => return Ok(()), _ => Err(..) }`, `if
/// e.is_unique_violation() { Ok(()) } else { Err(..) }`). The insert is then an
/// insert-or-ignore: a repeat finds the row and adds nothing, as `on conflict do
/// nothing` does. A negated question is not read.
pub(super) fn ignoring_arm(arm: &syn::Arm, refusals: &[String]) -> bool {
    violation_arm(arm, refusals, Answer::Passes)
}

/// An arm answering a violation as `answer` says: named in its pattern or guard and
/// answered so, or caught whole and asked in its body (see [`asks_violation`]).
fn violation_arm(arm: &syn::Arm, refusals: &[String], answer: Answer) -> bool {
    let mut scan = Names {
        refusals,
        vars: &[],
        refusal: false,
        var: false,
    };
    scan.visit_pat(&arm.pat);
    let guard = arm.guard.as_ref().map(|(_, g)| &**g);
    if let Some(g) = guard {
        scan.visit_expr(g);
    }
    let vars = bound_vars(&arm.pat);
    let named = scan.refusal || guard.is_some_and(|g| violation_cond(g, refusals, &vars));
    (named && answer.by_expr(&arm.body))
        || (!vars.is_empty() && asks_violation(&arm.body, refusals, &vars, answer))
}

/// The expression answers `Ok(..)`: its value, a `return`ed value, or a block's tail.
fn answers_ok(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Call(c) => {
            matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Ok"))
        }
        syn::Expr::Return(r) => r.expr.as_deref().is_some_and(answers_ok),
        syn::Expr::Block(b) => block_answers_ok(&b.block),
        _ => false,
    }
}

/// A block's tail, or one of its own `return` statements, answers `Ok(..)`.
fn block_answers_ok(b: &syn::Block) -> bool {
    b.stmts.iter().any(|s| match s {
        syn::Stmt::Expr(e, None) => answers_ok(e),
        syn::Stmt::Expr(e @ syn::Expr::Return(_), Some(_)) => answers_ok(e),
        _ => false,
    })
}

/// The variables a pattern binds (`e` of `Err(e)`).
fn bound_vars(pat: &syn::Pat) -> Vec<String> {
    struct Vars(Vec<String>);
    impl<'ast> Visit<'ast> for Vars {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(p.ident.to_string());
            visit::visit_pat_ident(self, p);
        }
    }
    let mut v = Vars(Vec::new());
    v.visit_pat(pat);
    v.0
}

/// An arm body that, whatever else it does, asks whether the caught error (one of
/// `vars`) is a violation and answers as `answer` says when it is: the body, or one of
/// its block's own statements, is a `match` over the error with such an arm, or an
/// `if` whose condition finds the violation in it and whose `then` block answers so.
/// A negated condition (`if !matches!(..)`) answers the other errors, not this one.
fn asks_violation(body: &syn::Expr, refusals: &[String], vars: &[String], answer: Answer) -> bool {
    let asks = |e: &syn::Expr| match e {
        syn::Expr::Match(m) => {
            mentions(&m.expr, vars) && m.arms.iter().any(|a| violation_arm(a, refusals, answer))
        }
        syn::Expr::If(i) => {
            violation_cond(&i.cond, refusals, vars) && answer.by_block(&i.then_branch)
        }
        _ => false,
    };
    match body {
        syn::Expr::Block(b) => b.block.stmts.iter().any(|s| match s {
            syn::Stmt::Expr(e, _) => asks(e),
            _ => false,
        }),
        e => asks(e),
    }
}

/// A condition that holds on a violation of one of `vars`: `let Some(SqlErr::
/// UniqueConstraintViolation(_)) = e.sql_err()`, `matches!(e.sql_err(), Some(SqlErr::
/// UniqueConstraintViolation(_)))`, `e.is_unique_violation()`, `a == b` naming both.
fn violation_cond(cond: &syn::Expr, refusals: &[String], vars: &[String]) -> bool {
    let mut scan = Names {
        refusals,
        vars,
        refusal: false,
        var: false,
    };
    match cond {
        syn::Expr::Let(l) => {
            scan.visit_pat(&l.pat);
            scan.refusal && mentions(&l.expr, vars)
        }
        syn::Expr::Macro(m) if m.mac.path.is_ident("matches") => {
            scan.tokens(&m.mac.tokens);
            scan.refusal && scan.var
        }
        syn::Expr::Paren(p) => violation_cond(&p.expr, refusals, vars),
        syn::Expr::MethodCall(_)
        | syn::Expr::Binary(syn::ExprBinary {
            op: syn::BinOp::Eq(_),
            ..
        }) => {
            scan.visit_expr(cond);
            scan.refusal && scan.var
        }
        _ => false,
    }
}

/// `e` names one of `vars` (`e.sql_err()`).
fn mentions(e: &syn::Expr, vars: &[String]) -> bool {
    let mut scan = Names {
        refusals: &[],
        vars,
        refusal: false,
        var: false,
    };
    scan.visit_expr(e);
    scan.var
}

/// An arm catching a write's error (`Err(e)`, `Err(_)`) that answers an error whose
/// text says the record exists (`bad_request("Role already exists")`, `Err(anyhow!(
/// "duplicate name"))`, the catalogue's `refusal-texts`), at any depth of its body:
/// the handler tells that the write refuses a duplicate.
pub(super) fn text_refusal_arm(arm: &syn::Arm, texts: &[String], answers: &[String]) -> bool {
    let syn::Pat::TupleStruct(t) = &arm.pat else {
        return false;
    };
    let caught = t.path.segments.last().is_some_and(|s| s.ident == "Err");
    caught && text_answer_in(texts, answers, |v| v.visit_expr(&arm.body))
}

/// A block answering an error whose text says the record exists (`return
/// Err("Role already exists")`, `bail!("duplicate scope {n}")`): met before any write,
/// the handler refuses a duplicate in words, however it found the existing record.
pub(super) fn text_refusal_block(b: &syn::Block, texts: &[String], answers: &[String]) -> bool {
    text_answer_in(texts, answers, |v| v.visit_block(b))
}

/// Whether `walk` meets an error answer saying one of `texts` ([`TextAnswer`]).
fn text_answer_in(
    texts: &[String],
    answers: &[String],
    walk: impl FnOnce(&mut TextAnswer),
) -> bool {
    if texts.is_empty() {
        return false;
    }
    let mut v = TextAnswer {
        texts,
        answers,
        found: false,
    };
    walk(&mut v);
    v.found
}

/// Finds an error answer (`Err(..)`, an `error-answers` call, `bail!`/`err!`) whose
/// arguments hold a literal saying one of `texts`.
struct TextAnswer<'c> {
    texts: &'c [String],
    answers: &'c [String],
    found: bool,
}

impl TextAnswer<'_> {
    fn says(&self, literal: &str) -> bool {
        let lower = literal.to_ascii_lowercase();
        self.texts
            .iter()
            .any(|t| lower.contains(&t.to_ascii_lowercase()))
    }

    /// A literal among `ts`, also inside groups (`format!("{n} already exists")`).
    fn tokens_say(&self, ts: &TokenStream) -> bool {
        ts.clone().into_iter().any(|tt| match tt {
            TokenTree::Literal(l) => self.says(&l.to_string()),
            TokenTree::Group(g) => self.tokens_say(&g.stream()),
            _ => false,
        })
    }
}

/// Whether an expression holds a literal saying one of the texts, macros' tokens too.
struct Says<'a, 'c>(&'a TextAnswer<'c>, bool);

impl<'ast> Visit<'ast> for Says<'_, '_> {
    fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
        self.1 |= self.0.says(&l.value());
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.1 |= self.0.tokens_say(&m.tokens);
    }
}

impl<'ast> Visit<'ast> for TextAnswer<'_> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        let answer = match &*c.func {
            syn::Expr::Path(p) => p
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "Err" || self.answers.iter().any(|a| s.ident == a)),
            _ => false,
        };
        if answer {
            let mut says = Says(self, false);
            c.args.iter().for_each(|a| says.visit_expr(a));
            self.found |= says.1;
        }
        visit::visit_expr_call(self, c);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.found |= super::answer::error_macro(m) && self.tokens_say(&m.tokens);
    }
}
