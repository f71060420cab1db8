//! Iterating a `syn::punctuated::Punctuated` without allocating.
//!
//! `Punctuated::iter` (and `for x in &punctuated`) boxes its iterator: one heap
//! allocation each time a call's arguments or a path's segments are looked at, which
//! the analyses do for nearly every call of every body. `pairs` borrows the same
//! elements without boxing.

use syn::punctuated::{Pair, Punctuated};

/// [`Items::items`]: the elements of a punctuated list, in order, without the heap.
pub(crate) trait Items<T> {
    /// Like `Punctuated::iter`, without its allocation.
    fn items<'a>(&'a self) -> impl DoubleEndedIterator<Item = &'a T> + ExactSizeIterator + Clone
    where
        T: 'a;
}

impl<T, P> Items<T> for Punctuated<T, P> {
    fn items<'a>(&'a self) -> impl DoubleEndedIterator<Item = &'a T> + ExactSizeIterator + Clone
    where
        T: 'a,
    {
        self.pairs().map(Pair::into_value)
    }
}

#[cfg(test)]
mod tests {
    use super::Items;

    #[test]
    fn items_are_the_elements_in_order() {
        let call: syn::ExprCall = syn::parse_quote!(f(a, b, c,));
        let names: Vec<String> = call
            .args
            .items()
            .map(|e| quote::quote!(#e).to_string())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(call.args.items().rev().count(), 3);
        let empty: syn::ExprCall = syn::parse_quote!(f());
        assert_eq!(empty.args.items().len(), 0);
    }
}
