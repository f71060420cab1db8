//! A call whose answer is a condition asks a question: `if block_feature_for_report_failure().await`,
//! `while !queue.is_empty()`, `!seen.insert(id)`, an operand of `&&` or `||`, the
//! scrutinee of a `match` with `true`/`false` arms, the call whose answer's field is
//! the condition (`if get_config().enabled`). Its name is no write, whatever it
//! says (a licence check named `block_*`, a `HashSet::insert` deduplicating in memory);
//! its arguments are walked as usual (`if db.insert(row).await.is_ok()` writes through
//! `insert`, the question being `is_ok`). Through `?` an answer is a `Result` first: `if
//! update_status(..).await? { .. }` reports whether a write changed something, and stays
//! a write.

use super::Collector;

impl Collector<'_> {
    /// Records the calls whose answer `cond` is (through parentheses, `.await`, `!`,
    /// `&&`, `||` and fields).
    pub(super) fn ask(&mut self, cond: &syn::Expr) {
        match cond {
            syn::Expr::Paren(p) => self.ask(&p.expr),
            syn::Expr::Await(a) => self.ask(&a.base),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => self.ask(&u.expr),
            // `if get_config().anomaly_detection.disabled`: a field of the answer.
            syn::Expr::Field(f) => self.ask(&f.base),
            syn::Expr::Binary(b) if is_logic(&b.op) => {
                self.ask(&b.left);
                self.ask(&b.right);
            }
            syn::Expr::Call(c) => self.asked.push(std::ptr::from_ref(c) as usize),
            syn::Expr::MethodCall(m) => self.asked.push(std::ptr::from_ref(m) as usize),
            _ => {}
        }
    }

    /// The operands of `a && b`, `a || b` are conditions.
    pub(super) fn ask_operands(&mut self, b: &syn::ExprBinary) {
        if is_logic(&b.op) {
            self.ask(&b.left);
            self.ask(&b.right);
        }
    }

    /// `match licence_ok().await { true => .., false => .. }`: the scrutinee is a condition.
    pub(super) fn ask_bool_match(&mut self, m: &syn::ExprMatch) {
        let bool_arm = |a: &syn::Arm| {
            matches!(
                &a.pat,
                syn::Pat::Lit(syn::ExprLit {
                    lit: syn::Lit::Bool(_),
                    ..
                })
            )
        };
        if m.arms.iter().any(bool_arm) {
            self.ask(&m.expr);
        }
    }

    /// The call at this address answers a condition.
    pub(super) fn is_asked(&self, addr: usize) -> bool {
        !self.asked.is_empty() && self.asked.contains(&addr)
    }
}

fn is_logic(op: &syn::BinOp) -> bool {
    matches!(op, syn::BinOp::And(_) | syn::BinOp::Or(_))
}
