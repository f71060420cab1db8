//! A function of a file as the link steps see it, its evidence decoded from the cache
//! only when asked.
//!
//! Every function of every file carries an [`Evidence`] (any may turn out to be a
//! handler or a callee of one), but most runs read only the names each body calls:
//! the retry reach and the clients' library reach. The routes link reads the rest,
//! and only in runs that register a route. So the cache keeps a function's call
//! names apart from its encoded evidence ([`Lazy`]): on the cache bench's tree (a
//! million lines, no route) a warm run decodes no evidence at all. The names are
//! written once: the encoded evidence leaves them out, and gets them back from the
//! heads when it is decoded.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::evidence::repeat::REPLACES;
use super::evidence::{Evidence, Names, ARGS_UNKNOWN};
use crate::extract::rust::lazy::Lazy;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FnInfo {
    /// Inline when short (most are): see [`crate::extract::rust::facts::CallFact::name`].
    pub name: CompactString,
    /// The type of the `impl` block the function is in (`Folder` of `Folder::save`).
    pub owner: Option<String>,
    /// It takes `self`: a method call `x.save(..)` may reach it.
    pub method: bool,
    /// It is a trait impl's (`impl Default for Folder`): a generic's `T::default()`
    /// or the trait's path (`Default::default()`) may run it, where an inherent
    /// function runs only through its type's path.
    pub of_trait: bool,
    /// Its callers need not name it: a host or framework runs it by an attribute or
    /// a foreign ABI ([`called_by_host`]), or it is a trait's default method. The
    /// dead-code reach never takes one for uncalled.
    ///
    /// [`called_by_host`]: crate::extract::rust::front::test_code::called_by_host
    pub entry: bool,
    /// Its body's bytes (start, end) in the parsed text (after a byte order mark):
    /// a name mentioned there is mentioned by this function, which the dead-code
    /// reach discounts once the function itself is found uncalled.
    pub body: (u32, u32),
    /// Its parameters besides `self` (254 for 254 and more; [`super::evidence::ARGS_UNKNOWN`] when not
    /// known): a call resolved by name only runs it when given as many arguments.
    pub params: u8,
    /// The type a free function's signature says it returns (`SearchClient` of
    /// `-> Result<SearchClient<..>, Error>`, [`super::types::returned`]): a method
    /// called on a value it made (`let c = make_client(..)?; c.cancel_query(r)`) runs
    /// that type's method. None for a method, or when the signature names no type.
    pub ret: Option<CompactString>,
    /// `Evidence::calls`, `Evidence::fn_calls` and `Evidence::type_calls`, read
    /// without the rest (taken out
    /// of the evidence when the facts are written; none while the evidence is made
    /// in this run, which then costs a pointer).
    #[serde(deserialize_with = "boxed")]
    heads: Option<Box<Heads>>,
    /// Boxed: a function read from the cache and never asked carries 8 bytes for it.
    /// Read from the cache, its bytes are those of [`Stripped`].
    evidence: Lazy<Box<Evidence>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
struct Heads {
    calls: Names,
    fn_calls: Names,
    /// The call graph narrows an associated function's callers by them
    /// (`HttpClient::new` among every `new`) for every body of the run.
    type_calls: Names,
    /// `Evidence::call_args`: the call graph matches a method's callers by name and
    /// argument count (`response.request()` runs no `Client::request(&self, req)`).
    call_args: Box<[u8]>,
    /// `Evidence::repeat` has [`REPLACES`]: the routes link indexes every type by
    /// it, and decoding each function's evidence for one bit cost a warm run the
    /// evidence of the whole workspace.
    replaces: bool,
}

/// The same function: the heads are copies of the evidence's.
impl PartialEq for FnInfo {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.name,
            &self.owner,
            self.method,
            self.of_trait,
            self.entry,
            self.body,
            self.params,
            &self.ret,
            self.evidence(),
        ) == (
            &other.name,
            &other.owner,
            other.method,
            other.of_trait,
            other.entry,
            other.body,
            other.params,
            &other.ret,
            other.evidence(),
        )
    }
}

/// [`FnInfo`] as written: its heads taken from the evidence when that is at hand.
#[derive(Serialize)]
struct Wire<'a> {
    name: &'a CompactString,
    owner: &'a Option<String>,
    method: bool,
    of_trait: bool,
    entry: bool,
    body: (u32, u32),
    params: u8,
    ret: &'a Option<CompactString>,
    heads: HeadsRef<'a>,
    evidence: Stripped<'a>,
}

/// The evidence without the names the heads hold, as one byte string: the bytes it
/// was read from, or the value encoded now.
struct Stripped<'a>(&'a Lazy<Box<Evidence>>);

impl Serialize for Stripped<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(bytes) = self.0.encoded() {
            return s.serialize_bytes(bytes);
        }
        let mut rest = Evidence::clone(self.0.get());
        rest.calls = Names::default();
        rest.fn_calls = Names::default();
        rest.type_calls = Names::default();
        rest.call_args = Box::default();
        let bytes = postcard::to_stdvec(&rest).map_err(serde::ser::Error::custom)?;
        s.serialize_bytes(&bytes)
    }
}

#[derive(Serialize)]
struct HeadsRef<'a> {
    calls: &'a Names,
    fn_calls: &'a Names,
    type_calls: &'a Names,
    call_args: &'a [u8],
    replaces: bool,
}

impl Serialize for FnInfo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            name: &self.name,
            owner: &self.owner,
            method: self.method,
            of_trait: self.of_trait,
            entry: self.entry,
            body: self.body,
            params: self.params,
            ret: &self.ret,
            heads: HeadsRef {
                calls: self.calls(),
                fn_calls: self.fn_calls(),
                type_calls: self.type_calls(),
                call_args: self.call_args(),
                replaces: self.replaces(),
            },
            evidence: Stripped(&self.evidence),
        }
        .serialize(s)
    }
}

impl FnInfo {
    /// Whether a call given one of the argument counts `counts`
    /// ([`Evidence::arg_counts`]) may run this function: as many as its parameters,
    /// or one more for a method (`T::m(x, a)` passes `self`). Unknown parameters fit
    /// any call.
    pub fn takes(&self, counts: u64) -> bool {
        let bit = |n: u8| counts & (1 << n.min(63)) != 0;
        self.params == ARGS_UNKNOWN
            || bit(self.params)
            || (self.method && bit(self.params.saturating_add(1)))
    }

    /// [`Self::takes`] for a call written as a method call or a plain function call
    /// only: as many arguments as its parameters (a wrapper is rarely called with its
    /// `self` spelled out).
    pub fn takes_exactly(&self, counts: u64) -> bool {
        self.params == ARGS_UNKNOWN || counts & (1 << self.params.min(63)) != 0
    }

    pub fn new(
        name: CompactString,
        evidence: Evidence,
        owner: Option<String>,
        method: bool,
        params: u8,
        ret: Option<CompactString>,
    ) -> FnInfo {
        FnInfo {
            name,
            owner,
            method,
            of_trait: false,
            entry: false,
            body: (0, 0),
            params,
            ret,
            heads: None,
            evidence: Lazy::new(Box::new(evidence)),
        }
    }

    /// What the body shows (decoded on first use when read from the cache).
    pub fn evidence(&self) -> &Evidence {
        self.evidence.get_or_decode(|bytes| {
            let mut evidence: Box<Evidence> = postcard::from_bytes(bytes).unwrap_or_default();
            if let Some(heads) = &self.heads {
                evidence.calls = heads.calls.clone();
                evidence.fn_calls = heads.fn_calls.clone();
                evidence.type_calls = heads.type_calls.clone();
                evidence.call_args = heads.call_args.clone();
            }
            evidence
        })
    }

    /// Whether the body replaces a record by a natural key (`Evidence::repeat` has
    /// [`REPLACES`]), without decoding the rest.
    pub fn replaces(&self) -> bool {
        match (&self.heads, self.evidence.is_encoded()) {
            (Some(heads), true) => heads.replaces,
            _ => self.evidence().repeat & REPLACES != 0,
        }
    }

    /// Whether the evidence was read from the cache (decoded since or not), rather
    /// than made in this run.
    pub fn cached(&self) -> bool {
        self.evidence.encoded().is_some()
    }

    /// Whether the evidence is still the cache's bytes, never asked for.
    #[cfg(test)]
    pub fn evidence_encoded(&self) -> bool {
        self.evidence.is_encoded()
    }

    /// Names of the functions and methods called ([`Evidence::calls`]), without
    /// decoding the rest.
    pub fn calls(&self) -> &Names {
        match (&self.heads, self.evidence.is_encoded()) {
            (Some(heads), true) => &heads.calls,
            _ => &self.evidence().calls,
        }
    }

    /// Names called as functions ([`Evidence::fn_calls`]), without decoding the rest.
    pub fn fn_calls(&self) -> &Names {
        match (&self.heads, self.evidence.is_encoded()) {
            (Some(heads), true) => &heads.fn_calls,
            _ => &self.evidence().fn_calls,
        }
    }

    /// Calls through a type's path, `Self::` read as the `impl`'s type
    /// ([`Evidence::type_calls`]), without decoding the rest.
    pub fn type_calls(&self) -> &Names {
        match (&self.heads, self.evidence.is_encoded()) {
            (Some(heads), true) => &heads.type_calls,
            _ => &self.evidence().type_calls,
        }
    }

    /// The argument count of each of [`Self::calls`] ([`Evidence::call_args`]; empty
    /// when none is known), without decoding the rest.
    pub fn call_args(&self) -> &[u8] {
        match (&self.heads, self.evidence.is_encoded()) {
            (Some(heads), true) => &heads.call_args,
            _ => &self.evidence().call_args,
        }
    }
}

/// The heads as written ([`HeadsRef`]), boxed when read.
fn boxed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Box<Heads>>, D::Error> {
    Heads::deserialize(d).map(|h| Some(Box::new(h)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_function_gives_its_call_names_before_its_evidence_is_decoded() {
        // A name list is its names, each followed by a newline.
        let calls = serde_json::from_value(serde_json::json!("insert\nlog\n")).unwrap();
        let evidence = Evidence {
            calls,
            writes: Some("call insert".into()),
            ..Evidence::default()
        };
        let made = FnInfo::new("save".into(), evidence, None, true, 2, None);
        let bytes = postcard::to_stdvec(&made).unwrap();
        let read: FnInfo = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(read.calls().sorted(), ["insert", "log"]);
        assert!(read.evidence.is_encoded(), "call names need no decoding");
        let written: Evidence = postcard::from_bytes(read.evidence.encoded().unwrap()).unwrap();
        assert!(
            written.calls.sorted().is_empty(),
            "the names are written once"
        );
        assert_eq!(written.writes.as_deref(), Some("call insert"));
        assert_eq!(read.evidence().writes.as_deref(), Some("call insert"));
        assert_eq!(read.calls().sorted(), ["insert", "log"]);
        assert_eq!(
            read.evidence().calls.sorted(),
            ["insert", "log"],
            "given back"
        );
        assert_eq!(read, made);
        assert_eq!(postcard::to_stdvec(&read).unwrap(), bytes);
    }
}
