//! Addresses functions return: a request to the URL a package's function builds is a
//! request to what that function returns. microsandbox's server asks its state for a
//! sandbox's portal (`state.get_portal_url_for_sandbox(ns, name).await?`, in another
//! file: `Ok(format!("http://{}:{}", LOCALHOST_IP, port))`) and forwards calls there:
//! a microVM it started on this host, no remote integration.
//!
//! The file records what each of its address functions returns
//! ([`FileFacts::address_fns`]), the request the function it took its URL from
//! ([`Target::Returned`]), and the link step joins them by name ([`resolve`]). Only
//! functions named for an address (`portal_url`, `endpoint`, `base_uri`) returning
//! text or a URL are recorded, each with `None` when something it returns is not a
//! known address: a name the package gives two functions counts only when both return
//! the same address.
//!
//! A returned variable is followed to its `let` when the function binds the name
//! once (guardian's `get_backend_url`: `let result = format!("http://127.0.0.1:{}",
//! port); return Ok(result);`). Known limit: a function is matched by its name alone
//! (not its type).
//!
//! [`FileFacts::address_fns`]: crate::extract::rust::facts::FileFacts::address_fns

use rustc_hash::FxHashMap as HashMap;
use syn::visit::Visit;
use syn::{Expr, ReturnType};

use super::address::{has_word, leading_argument, same_text, unwrapped_by, Leading};
use super::syntax::target_of;
use super::Visitor;
use crate::extract::rust::facts::Target;
use crate::extract::rust::front::ident::with_ident_str;

/// What a function named for an address returns: `(name, Some(address))` when every
/// value it returns is the same local address or constant, `(name, None)` when it
/// returns something else; nothing for other functions.
pub(super) fn address_fn(
    sig: &syn::Signature,
    body: &syn::Block,
) -> Option<(String, Option<Target>)> {
    if !with_ident_str(&sig.ident, address_name) || !returns_text(&sig.output) {
        return None;
    }
    let name = sig.ident.to_string();
    let mut leaves = Vec::new();
    if let Some(syn::Stmt::Expr(tail, None)) = body.stmts.last() {
        leaves_of(tail, &mut leaves);
    }
    let mut returns = Returns(Vec::new());
    returns.visit_block(body);
    for e in returns.0 {
        leaves_of(e, &mut leaves);
    }
    // A returned variable is what its `let` bound (`let result =
    // format!("http://127.0.0.1:{}", port); return Ok(result);`), when the function
    // binds that name once.
    let mut lets = Lets(HashMap::default());
    lets.visit_block(body);
    let mut found: Option<Target> = None;
    for leaf in leaves {
        let bound = match leaf {
            Expr::Path(p) => p.path.get_ident().and_then(|i| lets.0.get(&i.to_string())),
            _ => None,
        };
        let leaf = match bound {
            Some(Some(init)) => *init,
            _ => leaf,
        };
        let t = match target_of(leaf) {
            Some(t @ (Target::Local(_) | Target::Const(_))) => t,
            _ => return Some((name, None)),
        };
        match &found {
            Some(f) if *f != t => return Some((name, None)),
            _ => found = Some(t),
        }
    }
    Some((name, found))
}

/// A name that says the function gives an address (`portal_url`, `get_endpoint`,
/// `base_uri`, `server_addr`).
fn address_name(name: &str) -> bool {
    has_word(name, &["url", "uri", "addr", "address", "endpoint"])
}

/// A return type of text or a URL, maybe in a `Result` or `Option`.
fn returns_text(output: &ReturnType) -> bool {
    let ReturnType::Type(_, ty) = output else {
        return false;
    };
    let mut ty = &**ty;
    loop {
        let syn::Type::Path(p) = ty else { return false };
        let Some(last) = p.path.segments.last() else {
            return false;
        };
        let name = last.ident.to_string();
        if matches!(name.as_str(), "String" | "Url" | "Uri") {
            return true;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return false;
        };
        let first = args.args.iter().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        });
        match first {
            Some(t) if name.ends_with("Result") || name == "Option" => ty = t,
            _ => return false,
        }
    }
}

/// The values an expression returned by a function can end in: through blocks,
/// `if`/`match` branches and `Ok(..)`/`Some(..)`; an `Err(..)`, `None`, `return`,
/// panic or `?` ends in no value.
fn leaves_of<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::Block(b) => block_leaf(&b.block, out),
        Expr::Unsafe(b) => block_leaf(&b.block, out),
        Expr::Paren(p) => leaves_of(&p.expr, out),
        Expr::If(i) => {
            block_leaf(&i.then_branch, out);
            if let Some((_, e)) = &i.else_branch {
                leaves_of(e, out);
            }
        }
        Expr::Match(m) => m.arms.iter().for_each(|a| leaves_of(&a.body, out)),
        Expr::Return(_) => {}
        Expr::Macro(m) if is_divergent(&m.mac.path) => {}
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) if p.path.is_ident("Err") => {}
            Expr::Path(p) if (p.path.is_ident("Ok") || p.path.is_ident("Some")) => {
                c.args.iter().for_each(|a| leaves_of(a, out))
            }
            _ => out.push(e),
        },
        Expr::Path(p) if p.path.is_ident("None") => {}
        _ => out.push(e),
    }
}

/// A block's value: its tail expression's. A block ending in `return x;`,
/// `bail!(..);` or another statement has none here (its returns are found by
/// [`Returns`]).
fn block_leaf<'a>(b: &'a syn::Block, out: &mut Vec<&'a Expr>) {
    if let Some(syn::Stmt::Expr(e, None)) = b.stmts.last() {
        leaves_of(e, out);
    }
}

fn is_divergent(path: &syn::Path) -> bool {
    ["panic", "unreachable", "bail", "todo", "unimplemented"]
        .iter()
        .any(|m| path.is_ident(m))
}

/// The `let`s of a function body, by name: the value bound, or `None` for a name
/// bound twice or by a pattern (its value is not known).
struct Lets<'a>(HashMap<String, Option<&'a Expr>>);

impl<'a> Visit<'a> for Lets<'a> {
    fn visit_local(&mut self, l: &'a syn::Local) {
        if let syn::Pat::Ident(p) = &l.pat {
            let init = l.init.as_ref().map(|i| &*i.expr);
            self.0
                .entry(p.ident.to_string())
                .and_modify(|v| *v = None)
                .or_insert(init);
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// The values of a function's `return` expressions, not those of its closures or
/// nested functions.
struct Returns<'a>(Vec<&'a Expr>);

impl<'a> Visit<'a> for Returns<'a> {
    fn visit_expr_return(&mut self, r: &'a syn::ExprReturn) {
        if let Some(e) = &r.expr {
            self.0.push(e);
        }
    }
    fn visit_expr_closure(&mut self, _: &'a syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'a syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'a syn::Item) {}
}

/// The package's address functions by name, to [`resolve`] requests by: the address
/// a name's functions all return, or `None` when they return anything else.
pub(super) fn table<'p>(
    fns: impl Iterator<Item = &'p (String, Option<Target>)>,
) -> HashMap<&'p str, Option<&'p Target>> {
    let mut table: HashMap<&str, Option<&Target>> = HashMap::default();
    for (name, t) in fns {
        let t = t.as_ref();
        table
            .entry(name.as_str())
            .and_modify(|seen| {
                if *seen != t {
                    *seen = None;
                }
            })
            .or_insert(t);
    }
    table
}

/// A request's address read from what function `func` returns: that function's
/// address when the package's functions of that name all return it, else `or`.
pub(super) fn resolve(
    func: &str,
    or: Option<&Target>,
    fns: &HashMap<&str, Option<&Target>>,
) -> Option<Target> {
    match fns.get(func) {
        Some(Some(t)) => Some((*t).clone()),
        _ => or.cloned(),
    }
}

impl Visitor<'_, '_> {
    /// After `let name = <init>`: the function whose returned address the value is
    /// (`let portal_url = state.portal_url(key).await?;`), or whose address it
    /// extends (`let rpc = format!("{}/api/v1/rpc", portal_url);`).
    pub(super) fn note_returned_let(&mut self, name: &proc_macro2::Ident, init: &Expr) {
        if let Some(func) = self.returned_by(init) {
            self.scope().returned_vars.insert(name.to_string(), func);
        }
    }

    /// The address function an address is taken from: a call of one
    /// (`x.portal_url().await?`), a variable holding what one returned, or a
    /// `format!` starting with either.
    pub(super) fn returned_by(&mut self, e: &Expr) -> Option<String> {
        let mut e = e;
        loop {
            e = match e {
                Expr::Reference(r) => &r.expr,
                Expr::Paren(p) => &p.expr,
                Expr::Try(t) => &t.expr,
                Expr::Await(a) => &a.base,
                Expr::MethodCall(m) if m.args.is_empty() && same_value(&m.method) => &m.receiver,
                // `match f().await { Ok(url) => url, Err(e) => return Err(e) }`: `?`.
                Expr::Match(m) => match unwrapped_by(m) {
                    Some(inner) => inner,
                    None => break,
                },
                _ => break,
            };
        }
        match e {
            // Names are built only when they say address (lets are many).
            Expr::MethodCall(m) => {
                with_ident_str(&m.method, address_name).then(|| m.method.to_string())
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { return None };
                let last = &p.path.segments.last()?.ident;
                with_ident_str(last, address_name).then(|| last.to_string())
            }
            Expr::Path(p) => {
                let vars = &self.scope().returned_vars;
                if vars.is_empty() {
                    return None;
                }
                vars.get(&p.path.get_ident()?.to_string()).cloned()
            }
            Expr::Macro(m) if m.mac.path.is_ident("format") => {
                if self.scope().returned_vars.is_empty() {
                    return None;
                }
                match leading_argument(&m.mac)? {
                    Leading::Name(name) => self.scope().returned_vars.get(&name).cloned(),
                    Leading::Expr(e) => self.returned_by(&e),
                }
            }
            _ => None,
        }
    }
}

/// A method that hands on the same value: the same text ([`same_text`]), or what an
/// `Option` or `Result` holds (`unwrap`, `expect`).
fn same_value(method: &syn::Ident) -> bool {
    same_text(method) || method == "unwrap" || method == "expect"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn returned(f: &str) -> Option<(String, Option<Target>)> {
        let f: syn::ItemFn = syn::parse_str(f).expect("a function");
        address_fn(&f.sig, &f.block)
    }

    #[test]
    fn an_address_function_returns_one_address_or_none() {
        let local = returned(
            r#"async fn portal_url(&self, key: &str) -> Result<String> {
                if let Some(port) = self.ports.get(key) {
                    Ok(format!("http://{}:{}", LOCALHOST_IP, port))
                } else {
                    Err(Error::NoPort(key.to_string()))
                }
            }"#,
        );
        let want = Target::Const("LOCALHOST_IP".to_string());
        assert_eq!(local, Some(("portal_url".to_string(), Some(want))));
        let this_host = Target::Local("this host".to_string());
        let early = returned(
            r#"fn sidecar_url(p: Option<u16>) -> Option<String> {
                let Some(p) = p else { return None };
                if p == 0 { return Some(format!("http://127.0.0.1:{}", 80)); }
                Some(format!("http://localhost:{p}"))
            }"#,
        );
        assert_eq!(early, Some(("sidecar_url".to_string(), Some(this_host))));
        // One remote branch, or a value not known, and the name says nothing.
        let mixed = returned(
            r#"fn api_url(local: bool) -> String {
                if local { "http://localhost:80".into() } else { self.remote.clone() }
            }"#,
        );
        assert_eq!(mixed, Some(("api_url".to_string(), None)));
        assert_eq!(
            returned(r#"fn name() -> String { "http://localhost".into() }"#),
            None
        );
        assert_eq!(returned(r#"fn base_url() -> u16 { 80 }"#), None);
    }

    #[test]
    fn a_name_two_functions_give_counts_when_both_return_the_same() {
        let local = Target::Local("this host".to_string());
        let other = Target::Const("REMOTE".to_string());
        let fns = [
            ("a_url".to_string(), Some(local.clone())),
            ("a_url".to_string(), Some(local.clone())),
            ("b_url".to_string(), Some(local.clone())),
            ("b_url".to_string(), Some(other)),
            ("c_url".to_string(), None),
        ];
        let t = table(fns.iter());
        assert_eq!(resolve("a_url", None, &t), Some(local));
        assert_eq!(resolve("b_url", None, &t), None);
        assert_eq!(resolve("c_url", None, &t), None);
        let or = Target::Literal("http://x".to_string());
        assert_eq!(resolve("d_url", Some(&or), &t), Some(or.clone()));
    }
}
