//! The unique column sets a package declares in Rust with sea-query (sea-orm's
//! migrations: `Index::create()..unique()`, `ColumnDef::new(..).unique_key()`), and
//! the table each sea-orm entity module names (`#[sea_orm(table_name = "alerts")]`),
//! kept as a few [`SeaFact`]s per file ([`super::FileRoutes::sea`]) for the link step
//! to join into the package's schema (`migrations.rs`): an insert a unique set refuses
//! on a repeat applies nothing twice, as with SQL migrations.
//!
//! Only a file importing a sea crate is walked, once, when it is summarised. What a
//! `down` migration builds (in `down` itself or a function only it calls) is not the
//! schema; a partial index (`.and_where(..)`) holds for some rows only.

use std::collections::HashMap;

use syn::visit::{self, Visit};

/// One thing a file declares of a schema with sea-query or sea-orm.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub(crate) enum SeaFact {
    /// The table of the entity this file's module is (`#[sea_orm(table_name = "..")]`).
    Entity(String),
    /// A column definition (`ColumnDef::new(T::C)` and its flags).
    Column {
        table: String,
        col: String,
        not_null: bool,
        primary: bool,
        unique: bool,
    },
    /// A unique index over `cols`, named when its name is known.
    Unique {
        table: String,
        name: Option<String>,
        cols: Vec<String>,
    },
    /// An index an `up` migration drops, named when its name is known.
    DropIndex { table: String, name: Option<String> },
    /// A table an `up` migration drops.
    DropTable(String),
}

/// The facts of one file, in the order written (none for most files).
pub(crate) fn file_facts(items: &[syn::Item]) -> Box<[SeaFact]> {
    let mut w = Walker::default();
    w.declarations(items);
    for item in items {
        w.item(item);
    }
    w.out.into_boxed_slice()
}

#[derive(Default)]
struct Walker {
    /// `Enum` → its table's name, `Enum::Variant` → a column's, where renamed
    /// (`#[sea_orm(iden = "anomaly_detection_config")]`).
    renames: HashMap<String, String>,
    /// String constants of the file (index names: `const IDX: &str = "alerts_idx"`).
    consts: HashMap<String, String>,
    /// Functions only a `down` migration calls.
    down_fns: Vec<String>,
    /// The table of the `Table::create()` chain whose arguments are walked.
    table: Option<String>,
    out: Vec<SeaFact>,
}

impl Walker {
    /// Renames, constants and the helpers of `down`, before any chain is read.
    fn declarations(&mut self, items: &[syn::Item]) {
        for item in items {
            match item {
                syn::Item::Enum(e) => {
                    if let Some(n) = iden_attr(&e.attrs) {
                        self.renames.insert(e.ident.to_string(), n);
                    }
                    for v in &e.variants {
                        if let Some(n) = iden_attr(&v.attrs) {
                            self.renames.insert(format!("{}::{}", e.ident, v.ident), n);
                        }
                    }
                }
                syn::Item::Const(c) => {
                    if let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) = &*c.expr
                    {
                        self.consts.insert(c.ident.to_string(), s.value());
                    }
                }
                syn::Item::Impl(i) => {
                    for f in i.items.iter().filter_map(|it| match it {
                        syn::ImplItem::Fn(f) if f.sig.ident == "down" => Some(f),
                        _ => None,
                    }) {
                        let mut calls = Calls(Vec::new());
                        calls.visit_block(&f.block);
                        self.down_fns.extend(calls.0);
                    }
                }
                syn::Item::Struct(s) => {
                    if let Some(t) = table_name_attr(&s.attrs) {
                        self.out.push(SeaFact::Entity(t));
                    }
                }
                _ => {}
            }
        }
    }

    fn item(&mut self, item: &syn::Item) {
        match item {
            syn::Item::Fn(f) if !self.down_fns.iter().any(|d| f.sig.ident == d) => {
                self.visit_block(&f.block);
            }
            syn::Item::Impl(i) => {
                for it in &i.items {
                    if let syn::ImplItem::Fn(f) = it {
                        if f.sig.ident != "down" && !self.down_fns.iter().any(|d| f.sig.ident == d)
                        {
                            self.visit_block(&f.block);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The name an identifier argument gives (`Alerts::StreamType`: `stream_type`,
    /// `Alerts::Table`: `alerts`, `Alias::new("org")`: `org`), with its enum.
    fn iden(&self, e: &syn::Expr) -> Option<(String, String)> {
        match e {
            syn::Expr::Path(p) => {
                let segs = &p.path.segments;
                let n = segs.len();
                if n < 2 {
                    return None;
                }
                let (en, v) = (segs[n - 2].ident.to_string(), segs[n - 1].ident.to_string());
                let name = if v == "Table" {
                    self.renames.get(&en).cloned().unwrap_or_else(|| snake(&en))
                } else {
                    let key = format!("{en}::{v}");
                    self.renames.get(&key).cloned().unwrap_or_else(|| snake(&v))
                };
                Some((en, name))
            }
            syn::Expr::Call(c) if c.args.len() == 1 => {
                let syn::Expr::Path(p) = &*c.func else {
                    return None;
                };
                let last = p.path.segments.last()?;
                if p.path.segments.len() < 2 || last.ident != "new" {
                    return None;
                }
                match &c.args[0] {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some((String::new(), s.value())),
                    _ => None,
                }
            }
            syn::Expr::Reference(r) => self.iden(&r.expr),
            syn::Expr::Paren(p) => self.iden(&p.expr),
            _ => None,
        }
    }

    /// The table of an enum's identifiers (`Alerts`: `alerts`).
    fn table_of(&self, en: &str) -> Option<String> {
        if en.is_empty() {
            return self.table.clone();
        }
        Some(self.renames.get(en).cloned().unwrap_or_else(|| snake(en)))
    }

    /// An index's name: a string literal or a string constant of the file.
    fn name(&self, e: &syn::Expr) -> String {
        match e {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => s.value(),
            syn::Expr::Path(p) => p.path.segments.last().map_or_else(String::new, |s| {
                let id = s.ident.to_string();
                self.consts.get(&id).cloned().unwrap_or(id)
            }),
            syn::Expr::Reference(r) => self.name(&r.expr),
            _ => String::new(),
        }
    }

    /// One method chain, its links outermost first, and the call it starts from.
    fn chain(&mut self, links: &[&syn::ExprMethodCall], root: &syn::ExprCall) {
        let syn::Expr::Path(p) = &*root.func else {
            return;
        };
        let segs = &p.path.segments;
        let n = segs.len();
        if n < 2 {
            return;
        }
        let (ty, f) = (&segs[n - 2].ident, &segs[n - 1].ident);
        let has = |name: &str| links.iter().any(|m| m.method == name);
        let arg = |name: &str| {
            links
                .iter()
                .filter(|m| m.method == name)
                .find_map(|m| m.args.first())
        };
        if ty == "ColumnDef" && (f == "new" || f == "new_with_type") {
            let Some((en, col)) = root.args.first().and_then(|a| self.iden(a)) else {
                return;
            };
            let Some(table) = self.table_of(&en) else {
                return;
            };
            self.out.push(SeaFact::Column {
                table,
                col,
                not_null: has("not_null"),
                primary: has("primary_key"),
                unique: has("unique_key"),
            });
        } else if ty == "Index" && (f == "create" || f == "drop") {
            let table = arg("table")
                .and_then(|a| self.iden(a))
                .and_then(|(en, t)| {
                    if en.is_empty() {
                        Some(t)
                    } else {
                        self.table_of(&en)
                    }
                })
                .or_else(|| self.table.clone());
            let (Some(table), name) = (table, arg("name").map(|a| self.name(a))) else {
                return;
            };
            let name = name.filter(|n| !n.is_empty() && !n.contains(' '));
            if f == "drop" {
                self.out.push(SeaFact::DropIndex { table, name });
                return;
            }
            if !has("unique") || has("and_where") || has("cond_where") {
                return;
            }
            // Outermost first: the columns in the order written are the last links first.
            let cols: Option<Vec<String>> = links
                .iter()
                .rev()
                .filter(|m| m.method == "col")
                .map(|m| m.args.first().and_then(|a| self.iden(a)).map(|(_, c)| c))
                .collect();
            if let Some(cols) = cols.filter(|c| !c.is_empty()) {
                self.out.push(SeaFact::Unique { table, name, cols });
            }
        } else if ty == "Table" && f == "drop" {
            for m in links.iter().filter(|m| m.method == "table") {
                if let Some((en, t)) = m.args.first().and_then(|a| self.iden(a)) {
                    let t = if en.is_empty() {
                        Some(t)
                    } else {
                        self.table_of(&en)
                    };
                    if let Some(t) = t {
                        self.out.push(SeaFact::DropTable(t));
                    }
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Walker {
    /// A whole chain at once (its links are not walked again as chains of their own),
    /// then the arguments of its links and of the call it starts from, where column
    /// definitions and indexes of a `Table::create()` sit.
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let mut links = vec![m];
        let mut e = &*m.receiver;
        let root = loop {
            match e {
                syn::Expr::MethodCall(inner) => {
                    links.push(inner);
                    e = &inner.receiver;
                }
                syn::Expr::Call(c) => break Some(c),
                _ => break None,
            }
        };
        let saved = self.table.clone();
        if let Some(root) = root {
            self.chain(&links, root);
            if is_table_create(root) {
                let t = links
                    .iter()
                    .filter(|l| l.method == "table")
                    .find_map(|l| l.args.first().and_then(|a| self.iden(a)));
                if let Some((en, t)) = t {
                    self.table = if en.is_empty() {
                        Some(t)
                    } else {
                        self.table_of(&en)
                    };
                }
            }
            for a in &root.args {
                self.visit_expr(a);
            }
        } else {
            self.visit_expr(e);
        }
        for l in links.iter().rev() {
            for a in &l.args {
                self.visit_expr(a);
            }
        }
        self.table = saved;
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

fn is_table_create(c: &syn::ExprCall) -> bool {
    let syn::Expr::Path(p) = &*c.func else {
        return false;
    };
    let segs = &p.path.segments;
    segs.len() >= 2
        && segs[segs.len() - 2].ident == "Table"
        && segs[segs.len() - 1].ident == "create"
}

/// The functions a body calls by a plain name (`create_idx_stmnt()`).
struct Calls(Vec<String>);

impl<'ast> Visit<'ast> for Calls {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func {
            if let Some(last) = p.path.segments.last() {
                let lead = p.path.segments.first().is_some_and(|s| s.ident == "Self");
                if p.path.segments.len() == 1 || lead {
                    self.0.push(last.ident.to_string());
                }
            }
        }
        visit::visit_expr_call(self, c);
    }
}

/// `#[sea_orm(iden = "x")]` or `#[iden = "x"]`.
fn iden_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| {
        if a.path().is_ident("iden") {
            if let syn::Meta::NameValue(nv) = &a.meta {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                {
                    return Some(s.value());
                }
            }
        }
        a.path()
            .is_ident("sea_orm")
            .then(|| attr_value(a, "iden"))
            .flatten()
    })
}

/// `#[sea_orm(table_name = "alerts")]`.
fn table_name_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("sea_orm"))
        .find_map(|a| attr_value(a, "table_name"))
}

/// The string given to `key` in a list attribute (`#[sea_orm(key = "v", ..)]`).
fn attr_value(a: &syn::Attribute, key: &str) -> Option<String> {
    let syn::Meta::List(l) = &a.meta else {
        return None;
    };
    let mut tokens = l.tokens.clone().into_iter();
    while let Some(t) = tokens.next() {
        if matches!(&t, proc_macro2::TokenTree::Ident(i) if i == key) {
            let eq = tokens.next();
            if !matches!(eq, Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '=') {
                continue;
            }
            if let Some(proc_macro2::TokenTree::Literal(lit)) = tokens.next() {
                if let syn::Lit::Str(s) = syn::Lit::new(lit) {
                    return Some(s.value());
                }
            }
        }
    }
    None
}

/// `StreamType`: `stream_type` (sea-query's `Iden` derive).
fn snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for (i, c) in s.char_indices() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_sets_come_from_column_definitions_and_indexes() {
        let file: syn::File = syn::parse_str(
            r#"
            const IDX: &str = "alerts_org_name_idx";
            #[derive(DeriveIden)]
            enum Alerts { Table, Id, Org, Name, #[sea_orm(iden = "kind")] StreamType, Token }
            impl MigrationTrait for Migration {
                async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
                    m.drop_index(Index::drop().name("old_idx").table(Alerts::Table).to_owned()).await?;
                    m.create_table(Table::create().table(Alerts::Table)
                        .col(ColumnDef::new(Alerts::Id).char_len(27).not_null().primary_key())
                        .col(ColumnDef::new(Alerts::Token).string().null().unique_key())
                        .to_owned()).await?;
                    m.create_index(idx()).await
                }
                async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
                    m.create_index(old_idx()).await
                }
            }
            fn idx() -> IndexCreateStatement {
                Index::create().name(IDX).table(Alerts::Table).col(Alerts::Org)
                    .col(Alerts::StreamType).col(Alerts::Name).unique().to_owned()
            }
            fn old_idx() -> IndexCreateStatement {
                Index::create().name("old_idx").table(Alerts::Table).col(Alerts::Org).unique().to_owned()
            }
            #[sea_orm(table_name = "alerts")]
            pub struct Model { id: String }
            "#,
        )
        .unwrap();
        assert_eq!(
            short(&file_facts(&file.items)),
            "t alerts\nd alerts old_idx\nc alerts id np\nc alerts token u\n\
             u alerts alerts_org_name_idx org,kind,name\n"
        );
    }

    /// The facts one per line, for short expectations: `t table`, `c table col
    /// flags` (`n` not null, `p` primary key, `u` unique), `u table name cols`, `d
    /// table name` (`-`: no name), `x table`.
    pub(crate) fn short(facts: &[SeaFact]) -> String {
        let name = |n: &Option<String>| n.clone().unwrap_or_else(|| "-".into());
        facts
            .iter()
            .map(|f| match f {
                SeaFact::Entity(t) => format!("t {t}\n"),
                SeaFact::Column {
                    table,
                    col,
                    not_null,
                    primary,
                    unique,
                } => {
                    let flags: String = [(*not_null, 'n'), (*primary, 'p'), (*unique, 'u')]
                        .iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, c)| *c)
                        .collect();
                    format!("c {table} {col} {flags}\n")
                }
                SeaFact::Unique {
                    table,
                    name: n,
                    cols,
                } => {
                    format!("u {table} {} {}\n", name(n), cols.join(","))
                }
                SeaFact::DropIndex { table, name: n } => format!("d {table} {}\n", name(n)),
                SeaFact::DropTable(t) => format!("x {t}\n"),
            })
            .collect()
    }
}
