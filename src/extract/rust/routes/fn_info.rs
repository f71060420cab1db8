//! A function of a file as the link steps see it, with its evidence decoded from the
//! cache only when asked.
//!
//! Every function of every file carries an [`Evidence`] (any may turn out to be a
//! handler or a callee of one), but most runs read only the names each body calls:
//! the retry reach and the clients' library reach. The routes link reads the rest,
//! and only in runs that register a route. So the cache keeps a function's call
//! names apart from its encoded evidence, and a warm run decodes the evidence of a
//! function on its first [`FnInfo::evidence`]: on the cache bench's tree (a
//! million lines, no route) none at all.

use std::sync::OnceLock;

use compact_str::CompactString;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};

use super::evidence::{Evidence, Names};

#[derive(Debug, Clone)]
pub(crate) struct FnInfo {
    /// Inline when short (most are): see [`crate::extract::rust::facts::CallFact::name`].
    pub name: CompactString,
    /// The type of the `impl` block the function is in (`Folder` of `Folder::save`).
    pub owner: Option<String>,
    /// It takes `self`: a method call `x.save(..)` may reach it.
    pub method: bool,
    /// The evidence, once made or decoded (boxed: a function read from the cache
    /// and never asked carries 8 bytes for it, not the evidence's 270).
    evidence: OnceLock<Box<Evidence>>,
    /// Read from the cache: `Evidence::calls` and `Evidence::fn_calls`, kept apart
    /// (see the module's doc); empty when the evidence was made in this run.
    calls: Names,
    fn_calls: Names,
    /// Read from the cache: the whole evidence, encoded.
    encoded: Option<Box<[u8]>>,
}

impl FnInfo {
    pub fn new(
        name: CompactString,
        evidence: Evidence,
        owner: Option<String>,
        method: bool,
    ) -> FnInfo {
        FnInfo {
            name,
            owner,
            method,
            evidence: OnceLock::from(Box::new(evidence)),
            calls: Names::default(),
            fn_calls: Names::default(),
            encoded: None,
        }
    }

    /// What the body shows, decoded on first use when the function came from the
    /// cache. The encoding is the cache's own, under its checksum and this build's
    /// key: an entry that does not decode (which only a bug could make) reads as a
    /// body that shows nothing.
    pub fn evidence(&self) -> &Evidence {
        self.evidence.get_or_init(|| {
            self.encoded
                .as_deref()
                .and_then(|e| postcard::from_bytes::<Evidence>(e).ok())
                .map(Box::new)
                .unwrap_or_default()
        })
    }

    /// Names of the functions and methods called ([`Evidence::calls`]), without
    /// decoding the rest.
    pub fn calls(&self) -> &Names {
        match self.evidence.get() {
            None if self.encoded.is_some() => &self.calls,
            _ => &self.evidence().calls,
        }
    }

    /// Names called as functions ([`Evidence::fn_calls`]), without decoding the rest.
    pub fn fn_calls(&self) -> &Names {
        match self.evidence.get() {
            None if self.encoded.is_some() => &self.fn_calls,
            _ => &self.evidence().fn_calls,
        }
    }
}

impl PartialEq for FnInfo {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.owner == other.owner
            && self.method == other.method
            && self.evidence() == other.evidence()
    }
}

/// Written as a tuple: name, owner, method, calls, fn_calls, the encoded evidence.
impl serde::Serialize for FnInfo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fresh;
        let encoded: &[u8] = match (self.evidence.get(), &self.encoded) {
            (None, Some(e)) => e,
            _ => {
                fresh = postcard::to_stdvec(self.evidence()).map_err(serde::ser::Error::custom)?;
                &fresh
            }
        };
        let mut t = s.serialize_tuple(6)?;
        t.serialize_element(&self.name)?;
        t.serialize_element(&self.owner)?;
        t.serialize_element(&self.method)?;
        t.serialize_element(self.calls())?;
        t.serialize_element(self.fn_calls())?;
        t.serialize_element(&Bytes(encoded))?;
        t.end()
    }
}

impl<'de> serde::Deserialize<'de> for FnInfo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FnInfo, D::Error> {
        d.deserialize_tuple(6, FnInfoVisitor)
    }
}

struct FnInfoVisitor;

impl<'de> Visitor<'de> for FnInfoVisitor {
    type Value = FnInfo;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a function's name, owner, method flag, call names and evidence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FnInfo, A::Error> {
        let missing = |i| de::Error::invalid_length(i, &"6 elements");
        let name = seq.next_element()?.ok_or_else(|| missing(0))?;
        let owner = seq.next_element()?.ok_or_else(|| missing(1))?;
        let method = seq.next_element()?.ok_or_else(|| missing(2))?;
        let calls = seq.next_element()?.ok_or_else(|| missing(3))?;
        let fn_calls = seq.next_element()?.ok_or_else(|| missing(4))?;
        let ByteBox(encoded) = seq.next_element()?.ok_or_else(|| missing(5))?;
        Ok(FnInfo {
            name,
            owner,
            method,
            evidence: OnceLock::new(),
            calls,
            fn_calls,
            encoded: Some(encoded),
        })
    }
}

/// Bytes written as one byte string (not a sequence of numbers).
struct Bytes<'a>(&'a [u8]);

impl serde::Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// A byte string read into one allocation.
struct ByteBox(Box<[u8]>);

impl<'de> serde::Deserialize<'de> for ByteBox {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ByteBox, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ByteBox;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<ByteBox, E> {
                Ok(ByteBox(v.into()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<ByteBox, E> {
                Ok(ByteBox(v.into_boxed_slice()))
            }
        }
        d.deserialize_bytes(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence_calling(names: &str) -> Evidence {
        // A name list is its names, each followed by a newline.
        let text: String = names.split(' ').map(|n| format!("{n}\n")).collect();
        Evidence {
            calls: serde_json::from_value(serde_json::Value::String(text)).unwrap(),
            writes: Some("call insert".into()),
            ..Evidence::default()
        }
    }

    #[test]
    fn a_cached_function_gives_its_call_names_before_and_its_evidence_after_decoding() {
        let made = FnInfo::new("save".into(), evidence_calling("insert log"), None, true);
        let bytes = postcard::to_stdvec(&made).unwrap();
        let read: FnInfo = postcard::from_bytes(&bytes).unwrap();
        assert!(read.evidence.get().is_none(), "decoded only when asked");
        assert_eq!(read.calls().sorted(), ["insert", "log"]);
        assert!(read.evidence.get().is_none(), "call names need no decoding");
        assert_eq!(read.evidence().writes.as_deref(), Some("call insert"));
        assert_eq!(read, made);
        // Written again from the cache, unchanged.
        assert_eq!(postcard::to_stdvec(&read).unwrap(), bytes);
    }

    #[test]
    fn evidence_that_does_not_decode_reads_as_a_body_showing_nothing() {
        let mut read: FnInfo = postcard::from_bytes(
            &postcard::to_stdvec(&FnInfo::new(
                "f".into(),
                evidence_calling("send"),
                None,
                false,
            ))
            .unwrap(),
        )
        .unwrap();
        read.encoded = Some(vec![0xff; 3].into_boxed_slice());
        assert_eq!(read.evidence(), &Evidence::default());
    }
}
