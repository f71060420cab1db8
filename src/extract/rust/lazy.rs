//! A fact kept encoded when read from the cache, and decoded on first use.
//!
//! A warm run reads every file's facts of the packages it links, but the link steps
//! read much of them only when something points there: the chains of a parameter
//! handle only when a client is passed to that function, a function's evidence only
//! when a route reaches it. Kept as the cache's bytes (one copy, no parsing) until
//! asked, those facts cost a warm run what it reads.

use std::sync::OnceLock;

use serde::de::{DeserializeOwned, Deserializer, Visitor};
use serde::{Serialize, Serializer};

/// A value, or its encoding as read from the cache until it is first asked for.
///
/// Two words whichever it holds: a run without a cache makes every fact and pays
/// nothing for the encoding it never has (a million-line tree has some 80,000
/// functions, each with one), and a fact read from the cache keeps its bytes and
/// decoded value behind one pointer.
#[derive(Debug, Clone)]
pub struct Lazy<T>(State<T>);

#[derive(Debug, Clone)]
enum State<T> {
    /// Made in this run, or changed since it was read.
    Made(T),
    /// Read from the cache: its encoding, and the value once decoded.
    Read(Box<Read<T>>),
}

#[derive(Debug, Clone)]
struct Read<T> {
    encoded: Box<[u8]>,
    value: OnceLock<T>,
}

impl<T: Serialize + DeserializeOwned + Default> Lazy<T> {
    pub fn new(value: T) -> Lazy<T> {
        Lazy(State::Made(value))
    }

    /// The value, decoded on first use. The encoding is the cache's own, under its
    /// checksum and this build's key: one that does not decode (which only a bug
    /// could make) reads as the default (empty) value.
    pub fn get(&self) -> &T {
        self.get_or_decode(|bytes| postcard::from_bytes(bytes).unwrap_or_default())
    }

    /// [`Lazy::get`] for a fact written in a form of its own ([`Lazy::encoded`]):
    /// `decode` makes the value from the bytes read, on first use.
    pub fn get_or_decode(&self, decode: impl FnOnce(&[u8]) -> T) -> &T {
        match &self.0 {
            State::Made(value) => value,
            State::Read(read) => read.value.get_or_init(|| decode(&read.encoded)),
        }
    }

    /// The bytes the value was read from, while it has not changed since: a fact
    /// written in a form of its own writes them back as they are.
    pub fn encoded(&self) -> Option<&[u8]> {
        match &self.0 {
            State::Made(_) => None,
            State::Read(read) => Some(&read.encoded),
        }
    }

    /// The value, to change (while the facts are made). Decodes with
    /// [`Lazy::get`]'s own form.
    pub fn get_mut(&mut self) -> &mut T {
        if let State::Read(read) = &mut self.0 {
            let value = read
                .value
                .take()
                .unwrap_or_else(|| postcard::from_bytes(&read.encoded).unwrap_or_default());
            self.0 = State::Made(value);
        }
        match &mut self.0 {
            State::Made(value) => value,
            State::Read(_) => unreachable!("made just above"),
        }
    }

    /// Whether the value was read from the cache and not asked for since.
    pub fn is_encoded(&self) -> bool {
        matches!(&self.0, State::Read(read) if read.value.get().is_none())
    }
}

impl<T: Serialize + DeserializeOwned + Default> Default for Lazy<T> {
    fn default() -> Self {
        Lazy::new(T::default())
    }
}

impl<T: Serialize + DeserializeOwned + Default + PartialEq> PartialEq for Lazy<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

/// Written as one byte string: the encoding read, or the value encoded now.
impl<T: Serialize + DeserializeOwned + Default> Serialize for Lazy<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            State::Read(read) => s.serialize_bytes(&read.encoded),
            State::Made(_) => {
                let e = postcard::to_stdvec(self.get()).map_err(serde::ser::Error::custom)?;
                s.serialize_bytes(&e)
            }
        }
    }
}

impl<'de, T> serde::Deserialize<'de> for Lazy<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Lazy<T>, D::Error> {
        struct Bytes;
        impl<'de> Visitor<'de> for Bytes {
            type Value = Box<[u8]>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an encoded fact")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Box<[u8]>, E> {
                Ok(v.into())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Box<[u8]>, E> {
                Ok(v.into_boxed_slice())
            }
        }
        Ok(Lazy(State::Read(Box::new(Read {
            encoded: d.deserialize_bytes(Bytes)?,
            value: OnceLock::new(),
        }))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_read_from_the_cache_is_decoded_when_asked_and_written_back_unchanged() {
        let made = Lazy::new(vec!["get".to_string(), "timeout".to_string()]);
        let bytes = postcard::to_stdvec(&made).unwrap();
        let read: Lazy<Vec<String>> = postcard::from_bytes(&bytes).unwrap();
        assert!(read.is_encoded());
        assert_eq!(
            postcard::to_stdvec(&read).unwrap(),
            bytes,
            "written as read"
        );
        assert_eq!(read.get(), made.get());
        assert!(!read.is_encoded());
        assert_eq!(
            postcard::to_stdvec(&read).unwrap(),
            bytes,
            "and once decoded"
        );
    }

    #[test]
    fn an_encoding_that_does_not_decode_reads_as_the_default() {
        let read = Lazy::<Vec<String>>(State::Read(Box::new(Read {
            encoded: vec![0xff, 0xff, 0xff].into_boxed_slice(),
            value: OnceLock::new(),
        })));
        assert!(read.get().is_empty());
    }

    #[test]
    fn a_value_changed_drops_the_encoding_it_was_read_from() {
        let bytes = postcard::to_stdvec(&Lazy::new(vec![1u32])).unwrap();
        let mut read: Lazy<Vec<u32>> = postcard::from_bytes(&bytes).unwrap();
        read.get_mut().push(2);
        let again: Lazy<Vec<u32>> =
            postcard::from_bytes(&postcard::to_stdvec(&read).unwrap()).unwrap();
        assert_eq!(again.get(), &[1, 2]);
    }
}
