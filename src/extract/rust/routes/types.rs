//! The types of a body's variables, as far as its own text shows them, so a write
//! method called on one (`folder.save(&conn)`) is followed into that type's method
//! rather than into every same-named method of the workspace (vaultwarden has a `save`
//! and a `delete` per model, some upserts, some plain inserts).
//!
//! A variable is typed by its annotation (`folder: Folder`, a parameter's `&Folder`),
//! or by what makes it: a struct literal (`Folder { .. }`) or an associated function
//! of a type (`Folder::new(..)`, `let Some(folder) = Folder::find_by_uuid(..).await`,
//! `for m in Membership::find_by_org(..)`), which is taken to make that type (or an
//! `Option`, `Result` or list of it). Failing that, a value named after a type
//! (`user`, `headers.user`, `two_factor`) is taken to be one, when the workspace has a
//! method of that name on that type (`User::save`).

use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::items::Items;

/// The type a type annotation names: the last segment of its path, through
/// references and `Option`/`Box`-like single-argument wrappers left out.
pub(crate) fn named(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Reference(r) => named(&r.elem),
        syn::Type::Paren(p) => named(&p.elem),
        syn::Type::Path(tp) if tp.qself.is_none() => {
            let last = tp.path.segments.last()?;
            let id = last.ident.to_string();
            if id == "Sender" {
                // `oneshot::Sender<T>`, `mpsc::Sender<T>`: the channel's module tells
                // a reply to one waiter from a queue.
                if let Some(module) = channel_module(&tp.path, 2) {
                    return Some(format!("{module}::Sender"));
                }
            }
            if WRAPPERS.contains(&id.as_str()) {
                // `Option<Folder>`, `Vec<Membership>`: what they hold.
                let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                    return None;
                };
                return args.args.items().find_map(|a| match a {
                    syn::GenericArgument::Type(t) => named(t),
                    _ => None,
                });
            }
            id.starts_with(|c: char| c.is_ascii_uppercase())
                .then_some(id)
        }
        _ => None,
    }
}

/// The module of a channel a call makes (`oneshot` of `tokio::sync::oneshot::channel()`,
/// `mpsc` of `mpsc::unbounded_channel()`), through `.await`, `?` and parentheses: its
/// first element is that module's `Sender`.
pub(crate) fn channel_of(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Await(a) => channel_of(&a.base),
        syn::Expr::Try(t) => channel_of(&t.expr),
        syn::Expr::Paren(p) => channel_of(&p.expr),
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) if p.qself.is_none() => {
                let last = p.path.segments.last()?.ident.to_string();
                if last != "channel" && last != "unbounded_channel" {
                    return None;
                }
                channel_module(&p.path, 2)
            }
            _ => None,
        },
        _ => None,
    }
}

/// The lowercase segment `from_end` places from the end of `path` (a module's name).
fn channel_module(path: &syn::Path, from_end: usize) -> Option<String> {
    let n = path.segments.len();
    let seg = path.segments.items().nth(n.checked_sub(from_end)?)?;
    let id = seg.ident.to_string();
    id.starts_with(|c: char| c.is_ascii_lowercase())
        .then_some(id)
}

/// The variable a pattern binds, when it binds one: `x`, `mut x`, `Some(x)`,
/// `Ok(x)`, `x: T`, `&x`.
pub(crate) fn pat_var(pat: &syn::Pat) -> Option<&proc_macro2::Ident> {
    match pat {
        syn::Pat::Ident(id) if id.subpat.is_none() => Some(&id.ident),
        syn::Pat::Type(pt) => pat_var(&pt.pat),
        syn::Pat::Reference(r) => pat_var(&r.pat),
        syn::Pat::TupleStruct(ts) if ts.elems.len() == 1 => pat_var(&ts.elems[0]),
        _ => None,
    }
}

/// The type an expression makes, when it is a struct literal or a call of a type's
/// associated function (through `.await`, `?`, `&` and unwrapping methods).
pub(crate) fn made_by(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Await(a) => made_by(&a.base),
        syn::Expr::Try(t) => made_by(&t.expr),
        syn::Expr::Paren(p) => made_by(&p.expr),
        syn::Expr::Reference(r) => made_by(&r.expr),
        syn::Expr::MethodCall(m) if unwraps(&m.method) => made_by(&m.receiver),
        syn::Expr::Struct(s) => type_segment(&s.path, 1),
        // `match T::find(..) { Some(x) => x, None => T::new(..) }`: what the arms make,
        // when those that tell agree.
        syn::Expr::Match(m) => agree(m.arms.iter().map(|a| &*a.body)),
        syn::Expr::If(i) => {
            let then = i.then_branch.stmts.last().and_then(|st| match st {
                syn::Stmt::Expr(e, None) => Some(e),
                _ => None,
            });
            let els = i.else_branch.as_ref().map(|(_, e)| &**e);
            agree(then.into_iter().chain(els))
        }
        syn::Expr::Block(b) => match b.block.stmts.last() {
            Some(syn::Stmt::Expr(e, None)) => made_by(e),
            _ => None,
        },
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) => type_segment(&p.path, 2),
            _ => None,
        },
        _ => None,
    }
}

/// Methods that unwrap what a constructor or finder returns (`unwrap_or_default`,
/// `ok_or_else`, vaultwarden's `map_res`).
const UNWRAPS: &[&str] = &[
    "unwrap",
    "expect",
    "ok",
    "into_iter",
    "iter",
    "map_err",
    "map_res",
    "context",
    "with_context",
];

/// Types that hold the value a variable stands for.
const WRAPPERS: &[&str] = &[
    "Option", "Box", "Arc", "Rc", "Vec", "Result", "Json", "Form",
];

/// The segment `from_end` places from the end of `path` (1: the last), when it names
/// a type (capitalised, not `Self`'s keyword or an enum-like `Some`/`Ok`).
fn type_segment(path: &syn::Path, from_end: usize) -> Option<String> {
    let n = path.segments.len();
    let seg = path.segments.items().nth(n.checked_sub(from_end)?)?;
    let id = seg.ident.to_string();
    let is_type = id.starts_with(|c: char| c.is_ascii_uppercase())
        && !matches!(
            id.as_str(),
            "Self" | "Some" | "Ok" | "Err" | "Box" | "Arc" | "Rc" | "Vec" | "String"
        );
    is_type.then_some(id)
}

/// The variable an expression is (`folder`, `&mut folder`, `(*folder)`, `self`).
pub(crate) fn var(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            Some(p.path.segments[0].ident.to_string())
        }
        syn::Expr::Reference(r) => var(&r.expr),
        syn::Expr::Paren(p) => var(&p.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => var(&u.expr),
        _ => None,
    }
}

/// The name a receiver goes by: a variable's (`folder`), a field's (`headers.user`:
/// `user`), through references and derefs.
pub(crate) fn receiver_name(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Field(f) => match &f.member {
            syn::Member::Named(id) => Some(id.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        syn::Expr::Reference(r) => receiver_name(&r.expr),
        syn::Expr::Paren(p) => receiver_name(&p.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => receiver_name(&u.expr),
        e => var(e),
    }
}

/// `unwrap`, `unwrap_or_default`, `ok_or_else`, `map_res`, ...
fn unwraps(method: &syn::Ident) -> bool {
    with_ident_str(method, |m| {
        UNWRAPS
            .iter()
            .any(|u| m == *u || m.strip_prefix(u).is_some_and(|r| r.starts_with('_')))
    })
}

/// The type the expressions that tell make, when they all make the same.
fn agree<'e>(exprs: impl Iterator<Item = &'e syn::Expr>) -> Option<String> {
    let mut found: Option<String> = None;
    for t in exprs.filter_map(made_by) {
        match &found {
            Some(f) if *f != t => return None,
            _ => found = Some(t),
        }
    }
    found
}

/// The type a chain of holders keeps (`LazyLock<RwLock<HashMap<K, V>>>`: `HashMap`,
/// `holder` telling `LazyLock` and `RwLock` apart from what they hold), through
/// references; the type itself when it is no holder.
pub(crate) fn held(ty: &syn::Type, holder: &dyn Fn(&str) -> bool) -> Option<String> {
    match ty {
        syn::Type::Reference(r) => held(&r.elem, holder),
        syn::Type::Paren(p) => held(&p.elem, holder),
        syn::Type::Path(tp) if tp.qself.is_none() => {
            let last = tp.path.segments.last()?;
            let id = last.ident.to_string();
            if !holder(&id) {
                return Some(id);
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            args.args.items().find_map(|a| match a {
                syn::GenericArgument::Type(t) => held(t, holder),
                _ => None,
            })
        }
        _ => None,
    }
}

/// The type of the values a map or list annotation holds: the last type argument of
/// the in-memory type a chain of holders keeps (`BTreeMap<String, BTreeSet<String>>`:
/// `BTreeSet<String>`; `Arc<RwLock<Vec<Job>>>`: `Job`), for telling whether an element
/// the entry API hands out (`.or_default()`) lives in memory too.
pub(crate) fn values_of<'t>(
    ty: &'t syn::Type,
    holder: &dyn Fn(&str) -> bool,
) -> Option<&'t syn::Type> {
    match ty {
        syn::Type::Reference(r) => values_of(&r.elem, holder),
        syn::Type::Paren(p) => values_of(&p.elem, holder),
        syn::Type::Path(tp) if tp.qself.is_none() => {
            let last = tp.path.segments.last()?;
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let mut inner = args.args.iter().filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            });
            if holder(&last.ident.to_string()) {
                return values_of(inner.next()?, holder);
            }
            inner.last()
        }
        _ => None,
    }
}

/// Guard and unwrap methods between a shared value and its contents
/// (`CACHE.write().await`, `self.map.lock().unwrap()`, `CELL.get_or_init(..)`).
const GUARDS: &[&str] = &[
    "read",
    "write",
    "lock",
    "try_read",
    "try_write",
    "try_lock",
    "borrow",
    "borrow_mut",
    "get_or_init",
    "force",
    "load",
    "unwrap",
    "expect",
    "as_ref",
    "as_mut",
];

/// What a receiver is a guard or an unwrapped view of: `CACHE` of
/// `CACHE.write().await`, `self.map` of `self.map.lock().unwrap()`, through `.await`,
/// `?`, `&`, `*` and parentheses.
pub(crate) fn guarded(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Await(a) => guarded(&a.base),
        syn::Expr::Try(t) => guarded(&t.expr),
        syn::Expr::Paren(p) => guarded(&p.expr),
        syn::Expr::Reference(r) => guarded(&r.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => guarded(&u.expr),
        syn::Expr::MethodCall(m) if with_ident_str(&m.method, |n| GUARDS.contains(&n)) => {
            guarded(&m.receiver)
        }
        e => e,
    }
}

/// The type a constructor or literal macro of a type's own makes, even one `made_by`
/// leaves out as a holder of records (`Vec::new()`, `String::with_capacity(n)`,
/// `HashMap::new()`, `vec![..]`, `format!(..)`): for telling in-memory values.
pub(crate) fn built(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) if p.qself.is_none() => {
                let n = p.path.segments.len();
                let seg = p.path.segments.items().nth(n.checked_sub(2)?)?;
                Some(seg.ident.to_string())
            }
            _ => None,
        },
        syn::Expr::Macro(m) => {
            let name = m.mac.path.segments.last()?.ident.to_string();
            match name.as_str() {
                "vec" => Some("Vec".to_string()),
                "format" => Some("String".to_string()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The function whose result an expression is, when it is a call of a free function
/// through a plain or module path (`make_client(..)`, `grpc::make_client(..).await?`,
/// through `.await`, `?`, parentheses and unwrapping methods): its name, for the link
/// step to type the value by that function's declared return type
/// ([`returned`]). A type's function (`Client::new(..)`) is [`made_by`]'s.
pub(crate) fn made_by_fn(e: &syn::Expr) -> Option<&proc_macro2::Ident> {
    match e {
        syn::Expr::Await(a) => made_by_fn(&a.base),
        syn::Expr::Try(t) => made_by_fn(&t.expr),
        syn::Expr::Paren(p) => made_by_fn(&p.expr),
        syn::Expr::MethodCall(m) if unwraps(&m.method) => made_by_fn(&m.receiver),
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) if p.qself.is_none() => {
                let lower = |id: &proc_macro2::Ident| {
                    with_ident_str(id, |s| {
                        s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                    })
                };
                let segs = &p.path.segments;
                segs.items()
                    .all(|s| lower(&s.ident))
                    .then(|| segs.last().map(|s| &s.ident))
                    .flatten()
            }
            _ => None,
        },
        _ => None,
    }
}

/// The type a function's signature says it returns, as a method call on its result
/// sees it: the last segment of the declared type's path, through `Result`,
/// `Option` (and aliases named so: `ApiResult<User>`), `Box`, `Arc` and `Rc` (what
/// `?`, `.unwrap()` or auto-deref reach);
/// none for `impl Trait`, `Self`, a generic parameter of its own, a tuple or no type.
/// `-> Result<SearchClient<InterceptedService<..>>, Error>`: `SearchClient`.
pub(crate) fn returned(sig: &syn::Signature) -> Option<compact_str::CompactString> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let mut ty: &syn::Type = ty;
    loop {
        let syn::Type::Path(tp) = ty else {
            return None;
        };
        let last = tp.path.segments.last().filter(|_| tp.qself.is_none())?;
        // `ApiResult<User>`, `JsonResult<T>`: a crate's alias of `Result` holds `T` too.
        let held = with_ident_str(&last.ident, |id| {
            matches!(id, "Box" | "Arc" | "Rc") || id.ends_with("Result") || id.ends_with("Option")
        });
        if !held {
            let generic = sig.generics.type_params().any(|g| g.ident == last.ident);
            return with_ident_str(&last.ident, |id| {
                (id.starts_with(|c: char| c.is_ascii_uppercase()) && id != "Self" && !generic)
                    .then(|| id.into())
            });
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        ty = args.args.items().find_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ret(sig: &str) -> Option<String> {
        let sig: syn::Signature = syn::parse_str(sig).unwrap();
        returned(&sig).map(|t| t.to_string())
    }

    #[test]
    fn the_values_of_a_map_are_its_last_type_argument_through_holders() {
        let holder = |t: &str| matches!(t, "Arc" | "RwLock");
        let values = |ty: &str| {
            let ty: syn::Type = syn::parse_str(ty).unwrap();
            values_of(&ty, &holder).and_then(|v| held(v, &holder))
        };
        assert_eq!(
            values("BTreeMap<String, BTreeSet<String>>").as_deref(),
            Some("BTreeSet")
        );
        assert_eq!(
            values("&mut HashMap<i64, Member>").as_deref(),
            Some("Member")
        );
        assert_eq!(values("Arc<RwLock<Vec<Arc<Job>>>>").as_deref(), Some("Job"));
        assert_eq!(values("DashMap<Uuid, u64>").as_deref(), Some("u64"));
        assert_eq!(values("Member"), None);
    }

    #[test]
    fn a_signature_returns_the_type_a_method_call_on_its_result_sees() {
        let client = "fn make(a: &str) -> Result<SearchClient<InterceptedService<Channel>>, Error>";
        assert_eq!(ret(client).as_deref(), Some("SearchClient"));
        assert_eq!(
            ret("fn get(id: &str) -> ApiResult<User>").as_deref(),
            Some("User")
        );
        assert_eq!(
            ret("fn get() -> Option<Arc<Store>>").as_deref(),
            Some("Store")
        );
        for none in [
            "fn f() -> impl Future<Output = ()>",
            "fn f<T: Default>() -> T",
            "fn f() -> (Store, Watch)",
            "fn f() -> EmptyResult",
            "fn f()",
            "fn f() -> Box<dyn Store>",
        ] {
            assert_eq!(ret(none), None, "{none}");
        }
    }

    #[test]
    fn a_value_is_made_by_a_free_function_only_when_called_as_one() {
        let maker = |e: &str| {
            let e: syn::Expr = syn::parse_str(e).unwrap();
            made_by_fn(&e).map(ToString::to_string)
        };
        assert_eq!(maker("make(a, &mut r).await?").as_deref(), Some("make"));
        assert_eq!(maker("grpc::make(a).unwrap()").as_deref(), Some("make"));
        assert_eq!(maker("Client::new()"), None);
        assert_eq!(maker("state.client()"), None);
        assert_eq!(maker("make"), None);
    }
}
