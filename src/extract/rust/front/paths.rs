//! Paths as text, for every analysis: a path's segments, and the path a type names
//! through the wrappers that only hold it (`Arc<reqwest::Client>`).

use crate::extract::rust::front::items::Items;

/// The segments of `path`, as written (`redis::Client::open` → `redis`, `Client`, `open`).
pub fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.items().map(|s| s.ident.to_string()).collect()
}

/// The path of a type, looking through `Arc<..>`, `Box<..>`, `Rc<..>`, `Option<..>`.
pub fn unwrapped_type_path(ty: &syn::Type) -> Option<&syn::Path> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let wrapper = ["Arc", "Box", "Rc", "Option"]
        .iter()
        .any(|w| last.ident == w);
    if wrapper {
        if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
            if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                return unwrapped_type_path(inner);
            }
        }
    }
    Some(&p.path)
}
