//! How long a constant wait is, when the file writes it down: a `Duration`
//! constructor with literal arguments (`Duration::from_secs(600)`,
//! `from_millis(500)`, `Duration::new(1, 0)`), reached directly or through a `const`
//! of the file or a `let` of the loop or its function. The retry rules use it to
//! leave waits of a minute or more alone: they space attempts far beyond a burst.

use syn::{BinOp, Expr};

use super::{name_of, Scope};
use crate::extract::rust::front::items::Items;
use crate::extract::rust::retries::Ctx;

/// How many names (consts, `let`s) are followed before giving up.
const MAX_HOPS: usize = 4;

/// The seconds a duration expression stands for, when written with literals.
pub(crate) fn seconds(ctx: &Ctx, scope: &Scope, e: &Expr) -> Option<f64> {
    seconds_at(ctx, scope, e, 0)
}

fn seconds_at(ctx: &Ctx, scope: &Scope, e: &Expr, hops: usize) -> Option<f64> {
    if hops > MAX_HOPS {
        return None;
    }
    match e {
        Expr::Paren(p) => seconds_at(ctx, scope, &p.expr, hops),
        Expr::Group(g) => seconds_at(ctx, scope, &g.expr, hops),
        Expr::Reference(r) => seconds_at(ctx, scope, &r.expr, hops),
        Expr::Path(_) => {
            let name = name_of(e)?;
            let init = scope
                .lets
                .get(&name)
                .and_then(|v| v.last())
                .or_else(|| scope.outer.get(&name))
                .or_else(|| ctx.const_expr(&name))?;
            seconds_at(ctx, scope, init, hops + 1)
        }
        Expr::Call(c) => {
            let Expr::Path(p) = &*c.func else {
                return None;
            };
            let unit = match p.path.segments.last()?.ident.to_string().as_str() {
                "from_secs" | "from_secs_f64" | "from_secs_f32" => 1.0,
                "from_millis" => 1e-3,
                "from_micros" => 1e-6,
                "from_nanos" => 1e-9,
                "from_mins" => 60.0,
                "from_hours" => 3600.0,
                "new" => {
                    let mut args = c.args.items();
                    let secs = number(args.next()?)?;
                    let nanos = number(args.next()?)?;
                    return Some(secs + nanos * 1e-9);
                }
                _ => return None,
            };
            let mut args = c.args.items();
            let n = number(args.next()?)?;
            args.next().is_none().then_some(n * unit)
        }
        _ => None,
    }
}

/// A number written with literals: `600`, `0.5`, `10 * 60`, `5_000u64`.
fn number(e: &Expr) -> Option<f64> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(i) => i.base10_digits().parse().ok(),
            syn::Lit::Float(f) => f.base10_digits().parse().ok(),
            _ => None,
        },
        Expr::Paren(p) => number(&p.expr),
        Expr::Group(g) => number(&g.expr),
        Expr::Cast(c) => number(&c.expr),
        Expr::Binary(b) => {
            let (l, r) = (number(&b.left)?, number(&b.right)?);
            match b.op {
                BinOp::Mul(_) => Some(l * r),
                BinOp::Add(_) => Some(l + r),
                BinOp::Sub(_) => Some(l - r),
                BinOp::Div(_) if r != 0.0 => Some(l / r),
                _ => None,
            }
        }
        _ => None,
    }
}
