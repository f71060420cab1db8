//! The waits of a retry: sleep calls, awaited ticks, and helpers of the file that
//! sleep (one call deep), each with the delay class of its duration.

use super::*;
use crate::extract::rust::front::items::Items;

/// A place where a retry waits, and how long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Site {
    pub delay: Delay,
    /// A constant sleep's length, when written with literals ([`super::seconds`]).
    pub seconds: Option<f64>,
    pub span: Span,
    /// A blocking sleep (`std::thread::sleep`): a wait even in code that never awaits.
    pub blocking: bool,
}

impl Site {
    /// A non-blocking wait whose length is not written down (a helper, a tick).
    fn waits(delay: Delay, span: Span) -> Site {
        Site {
            delay,
            seconds: None,
            span,
            blocking: false,
        }
    }
}

/// A call that waits: a catalogued sleep (its delay classified from its argument, and
/// its length when written with literals), or a helper of the file that sleeps.
fn call_site(ctx: &Ctx, scope: &Scope, c: &syn::ExprCall, e: &Expr) -> Option<Site> {
    let Expr::Path(p) = &*c.func else {
        return None;
    };
    let path = ctx.resolve(&p.path);
    // `timeout(d, shutdown.changed())`: a sleep of `d` that a stop signal cuts short.
    let stoppable = ctx.catalog.timeout_functions.contains(&path)
        && c.args.iter().nth(1).is_some_and(stop_signal);
    if ctx.catalog.is_sleep(&path) || stoppable {
        let arg = c.args.first();
        let delay = arg.map_or(Delay::Unknown, |a| classify(ctx, scope, a));
        let seconds = arg
            .filter(|_| delay == Delay::Constant)
            .and_then(|a| super::seconds(ctx, scope, a));
        return Some(Site {
            delay,
            seconds,
            span: ctx.pos.of(e),
            blocking: path.starts_with("std::thread::"),
        });
    }
    let name = local_call_name(&p.path)?;
    helper_sleeps(ctx, scope, &name, c.args.items()).map(|d| Site::waits(d, ctx.pos.of(e)))
}

/// Whether a future waits for a stop signal: a cancellation token's `cancelled()`, or
/// `changed()`/`recv()`/`notified()` of a receiver named for stopping (`shutdown_rx`,
/// `stop`, `cancel`, `terminate`, ..: [`super::super::named_for_stopping`]).
fn stop_signal(e: &Expr) -> bool {
    let Expr::MethodCall(m) = e else {
        return false;
    };
    if m.method == "cancelled" {
        return true;
    }
    let named_for_stopping = match &*m.receiver {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(n) => Some(n.to_string()),
            syn::Member::Unnamed(_) => None,
        },
        _ => None,
    }
    .is_some_and(|name| super::super::named_for_stopping(&name));
    named_for_stopping
        && ["changed", "recv", "notified"]
            .iter()
            .any(|x| m.method == x)
}

/// The waits in a loop body: sleep calls, awaited ticks, and helpers of the file that
/// sleep (one call deep). Closures, nested items and `select!` used as a value (a
/// timeout) are not looked into.
pub(crate) fn sleep_sites(ctx: &Ctx, scope: &Scope, parts: &[Part<'_>]) -> Vec<Site> {
    let mut sites = Vec::new();
    let options = Options {
        skip_value_selects: true,
        ..Options::default()
    };
    for part in parts {
        let mut f = |seen: Seen<'_>| {
            let Seen::Expr(e) = seen else {
                return true;
            };
            match e {
                Expr::Closure(_) => return false,
                Expr::Call(c) => {
                    if let Some(site) = call_site(ctx, scope, c, e) {
                        sites.push(site);
                        return false;
                    }
                }
                Expr::MethodCall(m) => {
                    let name = m.method.to_string();
                    let is_self = matches!(&*m.receiver, Expr::Path(p) if p.path.is_ident("self"));
                    if is_self {
                        if let Some(d) = helper_sleeps(ctx, scope, &name, m.args.items()) {
                            sites.push(Site::waits(d, ctx.pos.of(e)));
                            return false;
                        }
                    }
                }
                Expr::Await(a) => {
                    if let Expr::MethodCall(m) = &*a.base {
                        if m.args.is_empty()
                            && ctx.catalog.tick_methods.iter().any(|t| m.method == t)
                        {
                            sites.push(Site::waits(Delay::Constant, ctx.pos.of(e)));
                        } else if m.args.is_empty()
                            && m.method == "next"
                            && backoff_stream(ctx, &m.receiver)
                        {
                            sites.push(Site::waits(Delay::Growing, ctx.pos.of(e)));
                        }
                    }
                }
                _ => {}
            }
            true
        };
        match part {
            Part::Expr(e) => walk_expr(e, options, &mut f),
            Part::Block(b) => walk_block(b, options, &mut f),
        }
    }
    sites
}

/// Whether a receiver is named as a stream of backoff delays (`new_backoff`).
fn backoff_stream(ctx: &Ctx, receiver: &Expr) -> bool {
    let Expr::Path(p) = receiver else {
        return false;
    };
    p.path.get_ident().is_some_and(|i| {
        let name = i.to_string().to_ascii_lowercase();
        ctx.catalog
            .backoff_streams
            .iter()
            .any(|w| name.contains(w.as_str()))
    })
}

/// When the file's function `name` sleeps, the delay of its sleeps given the
/// caller's arguments: a parameter fed a growing value grows.
pub(super) fn helper_sleeps<'e>(
    ctx: &Ctx,
    scope: &Scope,
    name: &str,
    args: impl IntoIterator<Item = &'e Expr>,
) -> Option<Delay> {
    if !scope.follow_helpers {
        return None;
    }
    let def = ctx.local_fn(name)?;
    let mut inner = Scope {
        follow_helpers: false,
        ..Scope::of_body(&[Part::Block(def.block)])
    };
    let params = def.sig.inputs.items().filter_map(|i| match i {
        syn::FnArg::Typed(t) => Some(pat_name(&t.pat)),
        syn::FnArg::Receiver(_) => None,
    });
    for (param, arg) in params.zip(args) {
        if let Some(param) = param {
            if classify(ctx, scope, arg) == Delay::Growing {
                inner.varying.insert(param);
            }
        }
    }
    // Fields the caller's loop grows (`self.delay *= 2`) grow inside the helper too.
    inner.varying.extend(
        scope
            .varying
            .iter()
            .filter(|v| v.starts_with("self."))
            .cloned(),
    );
    let sites = sleep_sites(ctx, &inner, &[Part::Block(def.block)]);
    sites.iter().map(|s| s.delay).max()
}
