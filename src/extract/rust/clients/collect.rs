//! What the client visitor needs before it walks a file: its local type names, its
//! string constants, its out-of-line test modules and the struct fields that may
//! hold a catalogued breaker, read from the front end's declaration index.

use std::collections::HashMap;

use super::address_fns::address_fn;
use super::entries::values::{derives_cli, is_subcommand_field};
use super::syntax::{segments, target_of};
use crate::extract::rust::catalog::Catalog;
use crate::extract::rust::facts::Target;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::index::{Decl, Index};
use crate::extract::rust::front::paths::unwrapped_type_path;
use crate::extract::rust::front::target::is_wasm_only;
use crate::extract::rust::test_files::module_key;

/// What the visit needs first: local type names, string constants, breaker fields.
pub(super) struct Collector<'c> {
    catalog: &'c Catalog,
    pub consts: HashMap<String, String>,
    /// Constants naming another constant (`FileFacts::const_refs`).
    pub const_refs: Vec<(String, String)>,
    pub types: std::collections::HashSet<String>,
    /// Type aliases: (alias, the last segment of the type it names).
    pub aliases: Vec<(String, String)>,
    pub test_mods: Vec<String>,
    /// Out-of-line modules outside test code (`mod server;`).
    pub mods: Vec<String>,
    /// Those compiled only for WebAssembly (`#[cfg(target_family = "wasm")] mod wasm;`).
    pub wasm_mods: Vec<String>,
    /// Named struct fields and their type path (through `Arc`/`Box`/`Rc`/`Option`),
    /// when the catalogue may know the type (breaker fields).
    pub field_types: Vec<(String, Vec<String>)>,
    /// A command-line parser enum's variants with one payload, and the payload's type
    /// path (`Push(push::Push)`): value dispatch ([`super::entries`]).
    pub cli_variants: Vec<(String, Vec<String>)>,
    /// The type paths of fields holding a parsed subcommand (`#[command(subcommand)]`).
    pub subcommand_fields: Vec<Vec<String>>,
    /// The file defines a command-line parser's subcommand enum.
    pub cli_enum: bool,
    /// The names of those enums.
    pub cli_enum_names: Vec<String>,
    /// The variants of the file's command-line parser enums, whatever they carry.
    pub cli_variant_names: Vec<String>,
    /// Functions named for an address and what they return ([`super::address_fns`]).
    pub address_fns: Vec<(String, Option<Target>)>,
    /// Struct fields nothing reads, by their authors' word (`#[expect(dead_code)]`),
    /// as `Type.field`: a client stored there sends nothing.
    pub unread_fields: Vec<String>,
}

/// [`unwrapped_type_path`] as segments.
pub(super) fn type_path(ty: &syn::Type) -> Option<Vec<String>> {
    unwrapped_type_path(ty).map(segments)
}

/// The last segment of [`type_path`], without building the path.
pub(super) fn type_path_last(ty: &syn::Type) -> Option<&syn::Ident> {
    Some(&unwrapped_type_path(ty)?.segments.last()?.ident)
}

impl<'c> Collector<'c> {
    pub fn new(catalog: &'c Catalog) -> Self {
        Collector {
            catalog,
            consts: HashMap::new(),
            const_refs: Vec::new(),
            types: Default::default(),
            aliases: Vec::new(),
            test_mods: Vec::new(),
            mods: Vec::new(),
            wasm_mods: Vec::new(),
            field_types: Vec::new(),
            cli_variants: Vec::new(),
            subcommand_fields: Vec::new(),
            cli_enum: false,
            cli_enum_names: Vec::new(),
            cli_variant_names: Vec::new(),
            address_fns: Vec::new(),
            unread_fields: Vec::new(),
        }
    }

    /// Reads the file's declarations from its [`Index`], in document order, all but
    /// those of test modules (an out-of-line test module is only listed).
    pub fn read(&mut self, index: &Index) {
        for (place, decl) in &index.decls {
            if place.in_test_mod {
                continue;
            }
            match *decl {
                Decl::OutOfLineMod(m, true) => self.test_mods.push(module_key(m)),
                Decl::OutOfLineMod(m, false) => {
                    if is_wasm_only(&m.attrs) {
                        self.wasm_mods.push(module_key(m));
                    }
                    self.mods.push(m.ident.to_string());
                }
                Decl::Struct(s) => self.item_struct(s),
                Decl::Enum(e) => {
                    self.types.insert(e.ident.to_string());
                    if derives_cli(&e.attrs) {
                        self.cli_enum = true;
                        self.cli_enum_names.push(e.ident.to_string());
                        self.cli_enum(e);
                        let names = e.variants.iter().map(|v| v.ident.to_string());
                        self.cli_variant_names.extend(names);
                    }
                }
                Decl::Const(name, expr) => {
                    if let Some(Target::Literal(s)) = target_of(expr) {
                        self.consts.insert(name.to_string(), s);
                    } else if let Some(ip) = loopback_ip(expr) {
                        self.consts.insert(name.to_string(), ip.to_string());
                    } else if let Some(Target::Const(other)) = target_of(expr) {
                        self.const_refs.push((name.to_string(), other));
                    }
                }
                Decl::Fn(f) => self.address_fns.extend(address_fn(&f.sig, &f.block)),
                Decl::Method(f) => self.address_fns.extend(address_fn(&f.sig, &f.block)),
                // `pub type MdsClient = Client<MdsGrpcClient>`: the alias and the
                // last segment of what it names.
                Decl::Type(t) => {
                    if let Some(last) = type_path_last(&t.ty) {
                        self.aliases.push((t.ident.to_string(), last.to_string()));
                    }
                }
                Decl::Use(_) => {}
            }
        }
    }

    /// A parser enum's variants carrying one payload, with its type path.
    fn cli_enum(&mut self, e: &syn::ItemEnum) {
        for v in &e.variants {
            let syn::Fields::Unnamed(f) = &v.fields else {
                continue;
            };
            if let (1, Some(ty)) = (f.unnamed.len(), f.unnamed.first()) {
                if let Some(path) = type_path(&ty.ty) {
                    self.cli_variants.push((v.ident.to_string(), path));
                }
            }
        }
    }

    fn item_struct(&mut self, s: &syn::ItemStruct) {
        self.types.insert(s.ident.to_string());
        for f in &s.fields {
            if is_subcommand_field(&f.attrs) {
                self.subcommand_fields.extend(type_path(&f.ty));
            }
            let Some(name) = &f.ident else { continue };
            if crate::extract::rust::front::test_code::unread_field(&f.attrs) {
                self.unread_fields.push(format!("{}.{name}", s.ident));
            }
            let known = type_path_last(&f.ty)
                .is_some_and(|last| with_ident_str(last, |l| self.catalog.may_match(l)));
            if let Some(ty) = type_path(&f.ty).filter(|_| known) {
                self.field_types.push((name.to_string(), ty));
            }
        }
    }
}

/// A constant naming this host's loopback address by value rather than in text
/// (`IpAddr::V4(Ipv4Addr::LOCALHOST)`, `Ipv6Addr::LOCALHOST`, `Ipv4Addr::new(127, 0,
/// 0, 1)`): the address, as a URL would write it, so a `format!("http://{}:{}",
/// LOCALHOST_IP, port)` is this host's.
fn loopback_ip(e: &syn::Expr) -> Option<&'static str> {
    use syn::Expr;
    match e {
        Expr::Paren(p) => loopback_ip(&p.expr),
        Expr::Path(p) => {
            let mut segs = p.path.segments.iter().rev().map(|s| &s.ident);
            let (last, ty) = (segs.next()?, segs.next()?);
            match (ty.to_string().as_str(), last == "LOCALHOST") {
                ("Ipv4Addr", true) => Some("127.0.0.1"),
                ("Ipv6Addr", true) => Some("::1"),
                _ => None,
            }
        }
        Expr::Call(c) => {
            let Expr::Path(f) = &*c.func else { return None };
            let last = f.path.segments.last()?.ident.to_string();
            match (last.as_str(), c.args.len()) {
                ("V4" | "V6" | "from", 1) => loopback_ip(&c.args[0]),
                ("new", 4) if f.path.segments.iter().any(|s| s.ident == "Ipv4Addr") => {
                    let octets: Vec<String> = (c.args.iter())
                        .map(|a| quote::ToTokens::to_token_stream(a).to_string())
                        .collect();
                    (octets == ["127", "0", "0", "1"]).then_some("127.0.0.1")
                }
                _ => None,
            }
        }
        _ => None,
    }
}
