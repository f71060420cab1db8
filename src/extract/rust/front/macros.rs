//! The one re-parser of macro bodies the three analyses share. `syn` keeps a
//! macro's body as tokens; the calls, loops and routes inside `select!`, `join!`,
//! `stream!`, `vec!` or a framework's `routes!` are only seen once re-parsed:
//! `select!` branches (`pat = future [, if cond] => body`, `else => body`,
//! `biased;`), comma-separated expressions (`join!`, `format!`, `vec!`), or
//! statements (`stream!`). Tokens keep their original spans, so positions stay right.
//!
//! Each body is parsed once per file whichever analysis asks first, and shared: the
//! client analysis, the retry walks (several per function) and the routes analysis
//! used to re-parse the same `select!` or `info!` body each on their own (3% of a
//! run). A body is known by where its delimiters are in the file: the same tokens
//! re-parsed from an enclosing macro's body keep those spans, so they are the same
//! body. [`Session`] forgets them when the file is done.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, Stmt, Token};

use super::ident::with_ident_str;

/// How a body was re-parsed, in the memo's key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Form {
    Comma,
    Select,
}

/// The file's re-parsed bodies, by form and delimiter places; only while a
/// [`Session`] is on (outside one, a body is parsed at each ask: two files parsed
/// one after the other may have bodies at the same places).
#[derive(Default)]
struct Memo {
    on: bool,
    exprs: FxHashMap<(Form, Place), Parsed<Expr>>,
    stmts: FxHashMap<Place, Parsed<Stmt>>,
    calls: FxHashMap<Place, Rc<[String]>>,
}

/// Where a body is: the line and column of its opening delimiter's start and of its
/// closing delimiter's end.
type Place = ((usize, usize), (usize, usize));

/// A body's parse, shared; `None` when it does not parse in that form.
type Parsed<T> = Option<Rc<Vec<T>>>;

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::default();
}

/// While alive, re-parsed bodies are kept for the file being summarized; dropped (at
/// the end of the file, or on a panic) it forgets them, before the file's spans go.
pub struct Session(());

impl Session {
    pub fn start() -> Session {
        MEMO.with(|m| {
            *m.borrow_mut() = Memo {
                on: true,
                ..Memo::default()
            }
        });
        Session(())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        MEMO.with(|m| *m.borrow_mut() = Memo::default());
    }
}

/// Where a macro's body is (its delimiters' lines and columns: as unique as their
/// offsets, and looked up by a binary search where a byte offset counts the
/// characters before it), or `None` for a macro made in code (no place in the file)
/// or outside a [`Session`], never remembered.
fn place(mac: &syn::Macro) -> Option<Place> {
    if !MEMO.with(|m| m.borrow().on) {
        return None;
    }
    let span = mac.delimiter.span();
    let (open, close) = (span.open().start(), span.close().end());
    let (open, close) = ((open.line, open.column), (close.line, close.column));
    (close > open).then_some((open, close))
}

/// `make()`, remembered in the memo's `table` under `key` (a body's place, and its
/// form where one place has two), or made afresh when there is no key ([`place`]).
fn remembered<K: Eq + std::hash::Hash, V: Clone>(
    key: Option<K>,
    table: fn(&mut Memo) -> &mut FxHashMap<K, V>,
    make: impl FnOnce() -> V,
) -> V {
    let Some(key) = key else {
        return make();
    };
    if let Some(known) = MEMO.with(|m| table(&mut m.borrow_mut()).get(&key).cloned()) {
        return known;
    }
    let made = make();
    MEMO.with(|m| table(&mut m.borrow_mut()).insert(key, made.clone()));
    made
}

/// `parse` of the body, remembered under `form` and the body's place.
fn exprs_of(
    mac: &syn::Macro,
    form: Form,
    parse: impl FnOnce() -> Option<Vec<Expr>>,
) -> Option<Rc<Vec<Expr>>> {
    let key = place(mac).map(|p| (form, p));
    remembered(key, |m| &mut m.exprs, || parse().map(Rc::new))
}

/// The comma-separated expressions of a macro body, when it is such a list. Of a
/// `matches!`, only the value matched: what follows is a
/// pattern (`Some(x) if x > 1`), which does not parse as an expression, and the
/// calls made to get the value are the ones that count.
pub fn comma_exprs(mac: &syn::Macro) -> Option<Rc<Vec<Expr>>> {
    exprs_of(mac, Form::Comma, || {
        if is_matches(mac) {
            return parse_scrutinee.parse2(mac.tokens.clone()).ok();
        }
        Punctuated::<Expr, Token![,]>::parse_terminated
            .parse2(mac.tokens.clone())
            .ok()
            .map(|exprs| exprs.into_iter().collect())
    })
}

/// `matches!` (the assert forms are test code's).
fn is_matches(mac: &syn::Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "matches")
}

/// A `matches!` body's value, the pattern and guard after its comma skipped.
fn parse_scrutinee(input: ParseStream) -> syn::Result<Vec<Expr>> {
    let value: Expr = input.parse()?;
    let _: Token![,] = input.parse()?;
    let _: proc_macro2::TokenStream = input.parse()?;
    Ok(vec![value])
}

/// Every identifier followed by a parenthesised group in a macro body (`name(`),
/// remembered by the body's place: the analyses that walk a body that parses neither
/// way read its calls by their names, and each read had copied the whole stream.
pub fn token_calls(mac: &syn::Macro) -> Rc<[String]> {
    remembered(
        place(mac),
        |m| &mut m.calls,
        || {
            let mut out = Vec::new();
            call_names(mac.tokens.clone(), &mut out);
            Rc::<[String]>::from(out)
        },
    )
}

/// [`token_calls`] of a token stream, into `out`.
fn call_names(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
    // The identifier itself, moved out of the owned token: its text is made only when
    // a group follows (a macro body's identifiers are mostly no calls).
    let mut last: Option<proc_macro2::Ident> = None;
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Ident(i) => last = Some(i),
            proc_macro2::TokenTree::Group(g) => {
                if g.delimiter() == proc_macro2::Delimiter::Parenthesis {
                    if let Some(n) = last.take() {
                        out.push(n.to_string());
                    }
                }
                call_names(g.stream(), out);
            }
            proc_macro2::TokenTree::Punct(_) | proc_macro2::TokenTree::Literal(_) => last = None,
        }
    }
}

/// Whether a macro body awaits or sends (`.await`, `.send(..)`, `.call(..)`): the
/// client analysis reads a message's arguments only then; most messages format plain
/// values (and a read of every one cost 1% of a run).
pub fn sends(tokens: &proc_macro2::TokenStream) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        proc_macro2::TokenTree::Group(g) => sends(&g.stream()),
        proc_macro2::TokenTree::Ident(i) => {
            with_ident_str(&i, |i| matches!(i, "await" | "send" | "call"))
        }
        proc_macro2::TokenTree::Literal(_) | proc_macro2::TokenTree::Punct(_) => false,
    })
}

/// The statements of a macro body written like a block's (`stream! { .. }`).
pub fn stmts(mac: &syn::Macro) -> Option<Rc<Vec<Stmt>>> {
    remembered(
        place(mac),
        |m| &mut m.stmts,
        || {
            syn::Block::parse_within
                .parse2(mac.tokens.clone())
                .ok()
                .map(Rc::new)
        },
    )
}

/// The statics of a `lazy_static!` body (`static ref NAME: Type = init;`, with
/// attributes and a visibility), as name and initializer; `None` when the body is
/// not that. Only the client analysis asks, once per macro: not remembered.
pub fn lazy_statics(mac: &syn::Macro) -> Option<Vec<(syn::Ident, Expr)>> {
    parse_lazy_statics.parse2(mac.tokens.clone()).ok()
}

fn parse_lazy_statics(input: ParseStream) -> syn::Result<Vec<(syn::Ident, Expr)>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        input.call(syn::Attribute::parse_outer)?;
        let _: syn::Visibility = input.parse()?;
        let _: Token![static] = input.parse()?;
        let _: Token![ref] = input.parse()?;
        let name: syn::Ident = input.parse()?;
        let _: Token![:] = input.parse()?;
        let _: syn::Type = input.parse()?;
        let _: Token![=] = input.parse()?;
        let init: Expr = input.parse()?;
        let _: Token![;] = input.parse()?;
        out.push((name, init));
    }
    Ok(out)
}

pub enum Reparsed {
    Exprs(Rc<Vec<Expr>>),
    Stmts(Rc<Vec<Stmt>>),
}

/// `select!` and `select_biased!` of tokio and futures.
pub fn is_select(mac: &syn::Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "select" || s.ident == "select_biased")
}

/// The expressions or statements inside a macro call, when they parse as such.
pub fn reparse(mac: &syn::Macro) -> Option<Reparsed> {
    if mac.tokens.is_empty() {
        return None;
    }
    if is_select(mac) {
        return exprs_of(mac, Form::Select, || {
            parse_select.parse2(mac.tokens.clone()).ok()
        })
        .map(Reparsed::Exprs);
    }
    if let Some(exprs) = comma_exprs(mac) {
        return Some(Reparsed::Exprs(exprs));
    }
    stmts(mac).map(Reparsed::Stmts)
}

/// One `select!` branch: `pat = future [, if guard] => body`, or a branch with no
/// future (`else => body`, futures' `default => body` / `complete => body`).
pub struct SelectBranch {
    pub future: Option<Expr>,
    pub guard: Option<Expr>,
    pub body: Expr,
}

/// The branches of a `select!` body, in order: the one grammar of the macro, for the
/// analyses that need the branches apart (the re-parse of [`reparse`] flattens them).
pub fn select_branches(mac: &syn::Macro) -> Option<Vec<SelectBranch>> {
    parse_branches.parse2(mac.tokens.clone()).ok()
}

/// `select!` branches as expressions: each future, guard and body, in order.
fn parse_select(input: ParseStream) -> syn::Result<Vec<Expr>> {
    let branches = parse_branches(input)?;
    Ok(branches
        .into_iter()
        .flat_map(|b| b.future.into_iter().chain(b.guard).chain([b.body]))
        .collect())
}

fn parse_branches(input: ParseStream) -> syn::Result<Vec<SelectBranch>> {
    let mut out = Vec::new();
    if input.peek(syn::Ident) && input.peek2(Token![;]) {
        let _: syn::Ident = input.parse()?;
        let _: Token![;] = input.parse()?;
    }
    while !input.is_empty() {
        let (mut future, mut guard) = (None, None);
        if input.peek(Token![else]) || (input.peek(syn::Ident) && input.peek2(Token![=>])) {
            let _: proc_macro2::TokenTree = input.parse()?;
        } else {
            let _ = syn::Pat::parse_multi_with_leading_vert(input)?;
            let _: Token![=] = input.parse()?;
            future = Some(input.parse::<Expr>()?);
            if input.peek(Token![,]) && input.peek2(Token![if]) {
                let _: Token![,] = input.parse()?;
                let _: Token![if] = input.parse()?;
                guard = Some(input.parse::<Expr>()?);
            }
        }
        let _: Token![=>] = input.parse()?;
        let body = if input.peek(syn::token::Brace) {
            let block = Expr::Block(input.parse::<syn::ExprBlock>()?);
            if input.peek(Token![,]) {
                let _: Token![,] = input.parse()?;
            }
            block
        } else {
            let body = input.parse::<Expr>()?;
            if !input.is_empty() {
                let _: Token![,] = input.parse()?;
            }
            body
        };
        out.push(SelectBranch {
            future,
            guard,
            body,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn macros_of(text: &str) -> Vec<syn::Macro> {
        let file = syn::parse_file(text).expect("parses");
        let syn::Item::Fn(f) = &file.items[0] else {
            panic!("a function")
        };
        f.block
            .stmts
            .iter()
            .filter_map(|s| match s {
                Stmt::Macro(m) => Some(m.mac.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_matches_body_is_its_value_whatever_the_pattern() {
        let text = "fn f() { matches!(c.get(u).send().await, Ok(r) if r.status() == 200); }";
        let exprs = comma_exprs(&macros_of(text)[0]).unwrap();
        assert_eq!(exprs.len(), 1);
        assert!(matches!(&exprs[0], Expr::Await(_)));
        let plain = "fn f() { matches!(a, Kind::A | Kind::B { .. }); }";
        assert!(comma_exprs(&macros_of(plain)[0]).is_some_and(|e| e.len() == 1));
        let not_one = "fn f() { other!(a, Some(x) if x > 1); }";
        assert!(comma_exprs(&macros_of(not_one)[0]).is_none());
    }

    #[test]
    fn a_message_sends_when_its_arguments_await_or_send() {
        let sends_in = |text: &str| sends(&macros_of(text)[0].tokens);
        assert!(sends_in(
            "fn f() { info!(\"{:?}\", c.get(u).send().await); }"
        ));
        assert!(sends_in(
            "fn f() { println!(\"{}\", agent.get(u).call()?.status()); }"
        ));
        assert!(!sends_in("fn f() { info!(\"sent {} to {}\", n, url); }"));
        assert!(
            !sends_in("fn f() { info!(\"await the send\"); }"),
            "words in the text"
        );
    }

    #[test]
    fn a_body_is_parsed_once_per_file_and_only_in_a_session() {
        let text = "fn f() { info!(\"{}\", a.get(1)); tokio::select! { r = b => r, }; }";
        let macros = macros_of(text);
        let (info, select) = (&macros[0], &macros[1]);
        // Outside a session each ask parses again.
        let (a, b) = (comma_exprs(info).unwrap(), comma_exprs(info).unwrap());
        assert!(!Rc::ptr_eq(&a, &b));
        let session = Session::start();
        let first = comma_exprs(info).unwrap();
        assert_eq!(first.len(), 2);
        // The same body re-parsed from another copy of the tree (another analysis, an
        // enclosing body) is the one already parsed.
        let again = comma_exprs(&macros_of(text)[0]).unwrap();
        assert!(Rc::ptr_eq(&first, &again));
        let Some(Reparsed::Exprs(x)) = reparse(info) else {
            panic!("exprs")
        };
        assert!(Rc::ptr_eq(&first, &x), "reparse shares the comma form");
        let Some(Reparsed::Exprs(branches)) = reparse(select) else {
            panic!("select branches")
        };
        assert_eq!(branches.len(), 2, "the future and the body");
        drop(session);
        let after = comma_exprs(info).unwrap();
        assert!(
            !Rc::ptr_eq(&first, &after),
            "forgotten when the file is done"
        );
    }

    #[test]
    fn an_unparsed_body_s_calls_are_read_once_per_file() {
        let text = "fn f() { html! { <a onclick={ save(id) }> { label.get(0) } x </a> } }";
        let mac = &macros_of(text)[0];
        assert!(reparse(mac).is_none(), "markup parses neither way");
        let calls = token_calls(mac);
        assert_eq!(&*calls, ["save".to_string(), "get".to_string()]);
        let session = Session::start();
        let first = token_calls(mac);
        assert!(Rc::ptr_eq(&first, &token_calls(&macros_of(text)[0])));
        drop(session);
        assert!(!Rc::ptr_eq(&first, &token_calls(mac)));
    }
}
