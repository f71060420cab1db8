//! The item index of one file, built in one pass over its items: every `use`,
//! function, constant, type and `mod` declaration, in document order, each with
//! where it sits (inside a test module, inside a function body).
//!
//! The client, retry and route analyses read their declarations from here instead
//! of each walking the items again; each still picks the places it looks at (the
//! retry analysis, for instance, reads test modules too and only the `use`s written
//! directly in a free function's body), which [`Place`] lets it say.

use super::test_code::is_test_mod;

/// Where a declaration sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Place {
    /// Inside an inline module marked as test code (`#[cfg(test)] mod tests { .. }`).
    pub in_test_mod: bool,
    /// The innermost function body around it, if any.
    pub body: Option<Body>,
}

/// The function body a declaration is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Body {
    pub kind: FnKind,
    /// How many function bodies enclose the declaration (1: directly in a function
    /// that is itself outside any body).
    pub depth: u8,
    /// Written as a statement of that body, not inside a module declared in it.
    pub direct: bool,
}

/// What kind of function a body belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FnKind {
    Free,
    Method,
    TraitDefault,
}

impl Place {
    /// Outside any function body.
    pub fn at_item_level(&self) -> bool {
        self.body.is_none()
    }

    /// Written directly in the body of a free function declared outside any body.
    pub fn directly_in_free_fn(&self) -> bool {
        matches!(
            self.body,
            Some(Body {
                kind: FnKind::Free,
                depth: 1,
                direct: true
            })
        )
    }
}

/// One declaration of the file.
#[derive(Debug, Clone, Copy)]
pub enum Decl<'a> {
    Use(&'a syn::ItemUse),
    /// A free function (`impl` methods are [`Decl::Method`]).
    Fn(&'a syn::ItemFn),
    Method(&'a syn::ImplItemFn),
    /// `const`, `static` and associated `const`: name and value.
    Const(&'a syn::Ident, &'a syn::Expr),
    Struct(&'a syn::ItemStruct),
    Enum(&'a syn::ItemEnum),
    Type(&'a syn::ItemType),
    /// A module declared without a body (`mod tests;`) and whether it is test code.
    OutOfLineMod(&'a syn::ItemMod, bool),
}

/// Every declaration of one file, in document order (a function's own entry comes
/// before the declarations of its body; an `impl`'s methods in order).
#[derive(Debug, Default)]
pub struct Index<'a> {
    pub decls: Vec<(Place, Decl<'a>)>,
}

impl<'a> Index<'a> {
    /// Indexes `file` in one pass over its items (expressions are not entered: an
    /// item inside an expression is not a declaration any analysis resolves through).
    pub fn of(file: &'a syn::File) -> Self {
        let mut index = Index::default();
        index.items(&file.items, Place::default());
        index
    }

    fn items(&mut self, items: &'a [syn::Item], place: Place) {
        for item in items {
            self.item(item, place);
        }
    }

    fn item(&mut self, item: &'a syn::Item, place: Place) {
        match item {
            syn::Item::Use(u) => self.decls.push((place, Decl::Use(u))),
            syn::Item::Fn(f) => {
                self.decls.push((place, Decl::Fn(f)));
                self.body(&f.block, place, FnKind::Free);
            }
            syn::Item::Impl(i) => {
                for it in &i.items {
                    match it {
                        syn::ImplItem::Fn(f) => {
                            self.decls.push((place, Decl::Method(f)));
                            self.body(&f.block, place, FnKind::Method);
                        }
                        syn::ImplItem::Const(c) => {
                            self.decls.push((place, Decl::Const(&c.ident, &c.expr)))
                        }
                        _ => {}
                    }
                }
            }
            syn::Item::Trait(t) => {
                for it in &t.items {
                    if let syn::TraitItem::Fn(f) = it {
                        if let Some(block) = &f.default {
                            self.body(block, place, FnKind::TraitDefault);
                        }
                    }
                }
            }
            syn::Item::Const(c) => self.decls.push((place, Decl::Const(&c.ident, &c.expr))),
            syn::Item::Static(s) => self.decls.push((place, Decl::Const(&s.ident, &s.expr))),
            syn::Item::Struct(s) => self.decls.push((place, Decl::Struct(s))),
            syn::Item::Enum(e) => self.decls.push((place, Decl::Enum(e))),
            syn::Item::Type(t) => self.decls.push((place, Decl::Type(t))),
            syn::Item::Mod(m) => {
                let test = is_test_mod(m);
                match &m.content {
                    Some((_, items)) => {
                        let inner = Place {
                            in_test_mod: place.in_test_mod || test,
                            body: place.body.map(|b| Body { direct: false, ..b }),
                        };
                        self.items(items, inner);
                    }
                    None => self.decls.push((place, Decl::OutOfLineMod(m, test))),
                }
            }
            _ => {}
        }
    }

    /// The items written as statements of a function body.
    fn body(&mut self, block: &'a syn::Block, outer: Place, kind: FnKind) {
        let depth = outer.body.map_or(1, |b| b.depth.saturating_add(1));
        let place = Place {
            in_test_mod: outer.in_test_mod,
            body: Some(Body {
                kind,
                depth,
                direct: true,
            }),
        };
        for stmt in &block.stmts {
            if let syn::Stmt::Item(item) = stmt {
                self.item(item, place);
            }
        }
    }

    /// The `use` trees of the file with their places, in document order.
    pub fn uses(&self) -> impl DoubleEndedIterator<Item = (Place, &'a syn::UseTree)> + '_ {
        self.decls.iter().filter_map(|(p, d)| match d {
            Decl::Use(u) => Some((*p, &u.tree)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_say_where_each_declaration_sits() {
        let file = syn::parse_file(
            "use a::b; fn f() { use c::d; mod m { use e::f; } fn g() { use h::i; } } \
             #[cfg(test)] mod tests { use j::k; } impl S { fn m(&self) { use l::n; } }",
        )
        .unwrap();
        let index = Index::of(&file);
        let uses: Vec<(String, Place)> = index
            .uses()
            .map(|(p, t)| (quote::quote!(#t).to_string().replace(' ', ""), p))
            .collect();
        let names: Vec<&str> = uses.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a::b", "c::d", "e::f", "h::i", "j::k", "l::n"]);
        assert!(uses[0].1.at_item_level());
        assert!(uses[1].1.directly_in_free_fn());
        assert!(!uses[2].1.directly_in_free_fn(), "in a mod inside a body");
        assert!(!uses[3].1.directly_in_free_fn(), "two bodies deep");
        assert!(uses[4].1.in_test_mod && uses[4].1.at_item_level());
        assert_eq!(uses[5].1.body.map(|b| b.kind), Some(FnKind::Method));
    }
}
