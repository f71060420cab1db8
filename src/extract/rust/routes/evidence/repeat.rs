//! Flags of [`super::Evidence::repeat`]: what the writes of a body do on a repeat.

/// SQL text a repeat applies twice (an insert, a delete, `SET n = n + 1`).
pub const SQL_PLAIN: u16 = 1;
/// SQL text of an insert deduped on a key (`on conflict`).
pub const SQL_UPSERT: u16 = 2;
/// SQL text setting columns to given values.
pub const SQL_SET: u16 = 4;
/// An ORM upsert (`insert_into(t)..on_conflict(..)`).
pub const ORM_UPSERT: u16 = 8;
/// An ORM update setting given values (`update(t).set(col.eq(v))`), or another
/// `[writes] sets` call (`File::create(path)`).
pub const ORM_SET: u16 = 16;
/// An ORM delete (`delete(t.filter(..))`), or an outbound request to a delete
/// path (`POST {relay}/push/delete/{id}`).
pub const ORM_DELETE: u16 = 32;
/// A value written under a key (`map.insert(k, v)`).
pub const KEYED: u16 = 64;
/// SQL text of a delete.
pub const SQL_DELETE: u16 = 128;
/// The first write of the body is refused on a repeat: a `match` over it answers
/// an error for a unique-key violation (`[writes] refusals`).
pub const REFUSES: u16 = 256;
/// Writes made only where a lookup of the record's own type found nothing
/// (`match (Self::is_favorite(..), v) { (false, true) => insert .. }`): once.
pub const ONCE: u16 = 512;
/// The body deletes rows by fields of its own record other than its id, then
/// upserts it (vaultwarden's `TwoFactor::save`: delete by user and type, insert): it
/// replaces by a natural key, so a record with a new id replaces the first.
pub const REPLACES: u16 = 1024;
/// Writes made only where a stored value differs from the given one (`if v !=
/// krate.f { set f = v .. }`, what follows `if updated == 0 { return }` after an
/// update filtered on the change): a repeat finds them equal and writes nothing.
pub const CHANGED: u16 = 2048;
/// A mail handed to a mail crate's transport (`transport.send(email)` in a file
/// importing `lettre`: `[writes] mail-crates`): a repeat sends a second copy, which
/// its reader ignores.
pub const MAIL: u16 = 4096;
