//! The addresses calls name: a literal or a constant, a variable known to hold a
//! local one (`let url = format!("http://127.0.0.1:{port}/")`), a health probe, or
//! this program's own listener ([`super::listener`]). A call to a local address is no
//! remote integration.

use syn::{Expr, ExprMethodCall};

use super::listener::OWN_LISTENER;
use super::syntax::*;
use super::Visitor;
use crate::extract::rust::facts::Target;
use crate::extract::rust::front::diverges::{block_diverges, diverges};
use crate::extract::rust::front::ident::with_ident_str;

impl Visitor<'_, '_> {
    /// The address a variable bound by `let` holds, when it is no remote integration.
    /// `ping_url.set_path("/ping")`: the address bound to the variable is a health
    /// probe, as `let url = format!("{base}/ping")` would make it.
    pub(super) fn note_probe_path(&mut self, base: &Expr, calls: &[(&ExprMethodCall, bool)]) {
        let [(m, _)] = calls else { return };
        if m.method != "set_path" {
            return;
        }
        let (Some(var), Some(Target::Literal(path))) =
            (simple_ident(base), m.args.first().and_then(target_of))
        else {
            return;
        };
        if let Some(why @ "a health probe") = local_reason(&path) {
            let why = Target::Local(why.to_string());
            self.scope().local_targets.insert(var, why);
        }
    }

    /// The address an argument names: a literal or a constant, a variable known to
    /// hold a local address, or this program's own listener (of which the literal
    /// part, `"http://"` or the health probe of `format!("http://{binding}/health")`,
    /// says less).
    pub(super) fn address_of(&mut self, e: &Expr) -> Option<Target> {
        if let Expr::If(_) | Expr::Match(_) = e {
            return self.local_every_branch(e);
        }
        match target_of(e) {
            Some(Target::Local(why)) if why != "a health probe" => Some(Target::Local(why)),
            Some(t @ Target::Const(_)) => Some(t),
            written => (self.own_listener(e))
                .or_else(|| self.local_target(e))
                .or(written),
        }
    }

    /// The local address an `if` or a `match` gives whichever branch runs: temps's
    /// import check, `if password.is_empty() { format!("redis://localhost:{}", port) }
    /// else { format!("redis://:{}@localhost:{}", pw, port) }`. None when a branch
    /// gives another address, or none it can name (an `if` without `else`).
    fn local_every_branch(&mut self, e: &Expr) -> Option<Target> {
        let mut tails: Vec<&Expr> = Vec::new();
        if !branch_tails(e, &mut tails) {
            return None;
        }
        let mut first = None;
        for tail in tails {
            match self.address_of(tail) {
                Some(Target::Local(why)) => {
                    first.get_or_insert(Target::Local(why));
                }
                _ => return None,
            }
        }
        first
    }

    /// An address of this program's own listener an expression names
    /// ([`super::listener`]), through the variables known to hold a local address.
    pub(super) fn own_listener(&mut self, e: &Expr) -> Option<Target> {
        let scope = self.scope();
        // Only a variable holding an own listener's address: one holding this host's
        // or a health probe's keeps its own reason (a probe stays judged).
        let known = |v: &str| matches!(scope.local_targets.get(v), Some(Target::Local(w)) if w == OWN_LISTENER);
        super::listener::own_listener_target(e, &known)
    }

    /// The address a call on a client's chain names: a local one in any argument,
    /// else its first argument's. None for a method that sets where the client's own
    /// end binds (`local_address(bind_ip)`, `interface(..)`): no destination.
    /// A host written from a field's value is kept with it ([`Target::HostField`]), and
    /// an address a function returns with the function ([`Target::Returned`]), unless
    /// the address is local or a constant's already.
    pub(super) fn call_target(&mut self, m: &ExprMethodCall) -> Option<Target> {
        let sets_own_end = with_ident_str(&m.method, |n| {
            ["local", "bind", "interface", "source"]
                .iter()
                .any(|w| n.contains(w))
        });
        if sets_own_end {
            return None;
        }
        let target = local_arg(m.args.iter())
            .or_else(|| m.args.iter().find_map(|a| self.own_listener(a)))
            .or_else(|| self.address_of(m.args.first()?));
        self.destination(m.args.first()?, target)
    }

    /// The address argument `first` names, given what [`Self::address_of`] made of it
    /// (`target`): a local address or a constant as it is, else a host written from a
    /// field ([`Target::HostField`]) or an address a function returns
    /// ([`Target::Returned`]), each with `target` as what it is otherwise.
    pub(super) fn destination(&mut self, first: &Expr, target: Option<Target>) -> Option<Target> {
        match target {
            Some(Target::Local(w)) if w != "a health probe" => Some(Target::Local(w)),
            Some(t @ Target::Const(_)) => Some(t),
            t => {
                if let Some(field) = self.host_field(first) {
                    return Some(Target::HostField {
                        field,
                        or: t.map(Box::new),
                    });
                }
                match self.returned_by(first) {
                    Some(func) => Some(Target::Returned {
                        func,
                        or: t.map(Box::new),
                    }),
                    None => t,
                }
            }
        }
    }

    /// The local address a variable bound by `let` holds (`&url` as `url`), also
    /// as the base of a `format!` (`format!("{}/api/2/devices", url)`, `"{url}/x"`).
    pub(super) fn local_target(&mut self, mut arg: &Expr) -> Option<Target> {
        // `&url`, and the same text borrowed or copied (`url.as_str()`, `url.clone()`).
        loop {
            match arg {
                Expr::Reference(r) => arg = &r.expr,
                Expr::MethodCall(m) if m.args.is_empty() && same_text(&m.method) => {
                    arg = &m.receiver
                }
                _ => break,
            }
        }
        if self.scope().local_targets.is_empty() && self.local_fields.is_empty() {
            return None;
        }
        match arg {
            Expr::Macro(m) if m.mac.path.is_ident("format") => match leading_argument(&m.mac)? {
                Leading::Name(name) => self.scope().local_targets.get(&name).cloned(),
                Leading::Expr(e) => self.local_value(&e),
            },
            _ => self.local_value(arg),
        }
    }

    /// The address an `http` request built in one chain is for: the argument of its
    /// `.uri(..)` or of `Request::post(..)` (and the other methods' constructors),
    /// through `?`, `.unwrap()` and `.expect(..)`. Only a chain that starts at a path
    /// through `Request` (`hyper::Request::builder()`), not any `.uri(..)`.
    pub(super) fn built_request_address(&mut self, mut e: &Expr) -> Option<Target> {
        const CONSTRUCTORS: &[&str] = &["get", "post", "put", "patch", "delete", "head"];
        let mut uri: Option<&Expr> = None;
        loop {
            match e {
                Expr::Try(t) => e = &t.expr,
                Expr::MethodCall(m) => {
                    if m.method == "uri" && m.args.len() == 1 {
                        uri = m.args.first();
                    }
                    e = &m.receiver;
                }
                Expr::Call(c) => {
                    let Expr::Path(p) = &*c.func else { return None };
                    let mut rev = p.path.segments.iter().rev();
                    let (last, ty) = (rev.next()?, rev.next()?);
                    if ty.ident != "Request" {
                        return None;
                    }
                    let named = with_ident_str(&last.ident, |l| CONSTRUCTORS.contains(&l));
                    if named && c.args.len() == 1 {
                        uri = uri.or(c.args.first());
                    }
                    return self.address_of(uri?);
                }
                _ => return None,
            }
        }
    }

    /// The local address a variable or a field of `self` holds.
    fn local_value(&mut self, arg: &Expr) -> Option<Target> {
        match arg {
            Expr::Path(p) => {
                let name = p.path.get_ident()?.to_string();
                self.scope().local_targets.get(&name).cloned()
            }
            // `self.rest_addr`, filled with a local address by a struct literal.
            Expr::Field(f) if is_self(&f.base) && !self.local_fields.is_empty() => {
                match &f.member {
                    syn::Member::Named(n) => {
                        let key = self.field_key(None, &n.to_string());
                        self.local_fields.get(&key).cloned()
                    }
                    syn::Member::Unnamed(_) => None,
                }
            }
            _ => None,
        }
    }

    /// A struct literal's field `n` of type `ty` filled with `value`: noted when the
    /// value is a variable holding a local address ([`Self::local_fields`]).
    pub(super) fn note_local_field(&mut self, ty: Option<&str>, n: &syn::Ident, value: &Expr) {
        let Some(name) = simple_ident(value) else {
            return;
        };
        if let Some(t @ Target::Local(_)) = self.scope().local_targets.get(&name).cloned() {
            let key = self.field_key(ty, &n.to_string());
            self.local_fields.insert(key, t);
        }
    }
}

/// `url == "http://localhost:8042"` (either way round; `url.as_str()`, `&url` and
/// `settings.url` too): where the comparison holds, the `then` branch of an `if`, the
/// address is local, and so is a client built there (PinePods talks to its own
/// gpodder sidecar with a client built only in that branch, to remote servers with
/// another). The variable compared, when it is a plain one, and why it is local.
pub(super) fn local_guard(cond: &Expr) -> Option<(Option<String>, String)> {
    let Expr::Binary(b) = cond else { return None };
    if !matches!(b.op, syn::BinOp::Eq(_)) {
        return None;
    }
    let (var, literal) = match (target_of(&b.left), target_of(&b.right)) {
        (None, Some(Target::Literal(l))) => (&*b.left, l),
        (Some(Target::Literal(l)), None) => (&*b.right, l),
        _ => return None,
    };
    let why = local_reason(&literal).filter(|w| *w != "a health probe")?;
    Some((plain_variable(var), why.to_string()))
}

/// A variable as compared or formatted: `x`, `&x`, `*x`, `x.as_str()`, `x.as_ref()`.
fn plain_variable(mut e: &Expr) -> Option<String> {
    loop {
        e = match e {
            Expr::Reference(r) => &r.expr,
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &u.expr,
            Expr::Paren(p) => &p.expr,
            Expr::MethodCall(m)
                if m.args.is_empty() && (m.method == "as_str" || m.method == "as_ref") =>
            {
                &m.receiver
            }
            _ => return simple_ident(e),
        };
    }
}

/// What a `format!` string starts with: a variable named inline (`"{url}/x"`), or
/// for `"{}"` the first argument (a variable, `self.base`).
pub(super) enum Leading {
    Name(String),
    Expr(Box<Expr>),
}

/// [`Leading`] of a `format!`, when it starts with a placeholder.
pub(super) fn leading_argument(m: &syn::Macro) -> Option<Leading> {
    let (fmt, _) = format_string(&m.tokens)?;
    let inner = fmt.strip_prefix('{')?.split(['}', ':']).next()?;
    if !inner.is_empty() {
        return Some(Leading::Name(inner.to_string()));
    }
    let args = crate::extract::rust::front::macros::comma_exprs(m)?;
    let first = args.get(1)?;
    match plain_variable(first) {
        Some(v) => Some(Leading::Name(v)),
        None => Some(Leading::Expr(Box::new(first.clone()))),
    }
}

/// A method that hands on the same text: a borrow or a copy of an address.
pub(super) fn same_text(method: &syn::Ident) -> bool {
    with_ident_str(method, |m| {
        matches!(
            m,
            "as_str" | "as_ref" | "clone" | "to_string" | "to_owned" | "as_deref"
        )
    })
}

/// Whether a snake-case name has one of `words` among its words (`http_addr` has
/// `addr`), in any case: how a field, variable or function says it holds an address.
pub(super) fn has_word(name: &str, words: &[&str]) -> bool {
    name.split('_')
        .any(|w| words.iter().any(|x| w.eq_ignore_ascii_case(x)))
}

/// The values `e` may give, into `out`: each branch's of an `if` (with `else`) or a
/// `match`, a block's tail's, else `e` itself; a branch that leaves ([`diverges`])
/// gives none. False when a branch's value is not its block's tail expression (an
/// `if` without `else`, a block ending in a statement).
fn branch_tails<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) -> bool {
    let tail = |b: &'e syn::Block, out: &mut Vec<&'e Expr>| match b.stmts.last() {
        Some(syn::Stmt::Expr(t, None)) => branch_tails(t, out),
        _ => block_diverges(b),
    };
    if diverges(e) {
        return true;
    }
    match e {
        Expr::If(i) => match &i.else_branch {
            Some((_, other)) => tail(&i.then_branch, out) && branch_tails(other, out),
            None => false,
        },
        Expr::Match(m) => m.arms.iter().all(|a| branch_tails(&a.body, out)),
        Expr::Block(b) => tail(&b.block, out),
        _ => {
            out.push(e);
            true
        }
    }
}

/// The value a `match` unwraps, when it does what `?` does: every arm either leaves
/// ([`diverges`]) or gives the one binding of an `Ok(x)` or `Some(x)` pattern
/// (`match get_server_address(&app).await { Ok(url) => url, Err(e) => return
/// Err(e) }`: meeting-minutes's diagnostics take their address so).
pub(super) fn unwrapped_by(m: &syn::ExprMatch) -> Option<&Expr> {
    let mut gives = false;
    for arm in &m.arms {
        if diverges(&arm.body) {
            continue;
        }
        let x = unwrapped_binding(&arm.pat)?;
        let mut body = &*arm.body;
        if let Expr::Block(b) = body {
            match b.block.stmts.last() {
                Some(syn::Stmt::Expr(tail, None)) => body = tail,
                _ => return None,
            }
        }
        let Expr::Path(p) = body else { return None };
        if !p.path.is_ident(x) || arm.guard.is_some() {
            return None;
        }
        gives = true;
    }
    gives.then_some(&*m.expr)
}

/// `x` of a pattern `Ok(x)` or `Some(x)`.
pub(super) fn unwrapped_binding(p: &syn::Pat) -> Option<&syn::Ident> {
    let syn::Pat::TupleStruct(t) = p else {
        return None;
    };
    let last = t.path.segments.last()?;
    if !(last.ident == "Ok" || last.ident == "Some") || t.elems.len() != 1 {
        return None;
    }
    match t.elems.first()? {
        syn::Pat::Ident(i) if i.subpat.is_none() => Some(&i.ident),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::unwrapped_by;

    fn unwraps(src: &str) -> Option<String> {
        let syn::Expr::Match(m) = syn::parse_str::<syn::Expr>(src).expect("an expression") else {
            panic!("not a match: {src}");
        };
        unwrapped_by(&m).map(|e| quote::quote!(#e).to_string())
    }

    #[test]
    fn a_match_that_leaves_on_error_unwraps_its_value() {
        let addr = Some("address () . await".to_string());
        assert_eq!(
            unwraps("match address().await { Ok(u) => u, Err(e) => return Err(e) }"),
            addr
        );
        assert_eq!(
            unwraps(
                "match address().await { Some(u) => { log(); u } None => { log(); return None; } }"
            ),
            addr
        );
        assert_eq!(
            unwraps("match address().await { Ok(u) => u, Err(_) => panic!(\"no\") }"),
            addr
        );
        // Another value on error, a value made from the binding, a guard: not `?`.
        assert_eq!(
            unwraps("match address() { Ok(u) => u, Err(_) => fallback() }"),
            None
        );
        assert_eq!(
            unwraps("match address() { Ok(u) => u.trim(), Err(e) => return Err(e) }"),
            None
        );
        assert_eq!(
            unwraps("match address() { Ok(u) if ok(&u) => u, _ => return }"),
            None
        );
        assert_eq!(
            unwraps("match address() { Err(e) => return Err(e), _ => continue }"),
            None
        );
    }
}
