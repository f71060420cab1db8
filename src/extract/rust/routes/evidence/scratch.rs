//! The buffers of one file's evidence walk.

use super::NameBuf;

/// Buffers one [`super::Collector`] fills; the summarizer keeps one for all the
/// functions of a file, so walking a body allocates only the lists it keeps.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub(super) calls: NameBuf,
    pub(super) consts: NameBuf,
    pub(super) types: NameBuf,
    pub(super) writes: NameBuf,
    pub(super) type_calls: NameBuf,
    pub(super) fn_calls: NameBuf,
    pub(super) path_calls: NameBuf,
    pub(super) made_calls: NameBuf,
    /// The text of the literal being looked at in a macro body.
    pub(super) literal: String,
    /// The variables of the body whose type is known, each with it (`folder` bound by
    /// `let folder = Folder::find(..)`), the last binding of a name first found.
    pub(super) bindings: Vec<(String, String)>,
    /// The variables of the body a free function made, each with its name (`client`
    /// bound by `let client = make_client(..)?`), for [`super::Evidence::made_calls`]; an
    /// empty name when a later `let` rebinds the variable otherwise. Inline strings:
    /// a `let` of a call's result is common, and these allocate nothing.
    pub(super) made: Vec<(compact_str::CompactString, compact_str::CompactString)>,
    /// The names the `use`s of the blocks being walked bring in, each with its path
    /// (see `local_uses.rs`), innermost last.
    pub(super) local_uses: Vec<(String, String)>,
    /// The file's process state: its `static`s (`DEK_CACHE`) and struct fields
    /// (`Registry.keys`) holding an in-memory type, each with that type (see
    /// [`super::file_state`]). Set once per file, read by every function of it.
    pub(crate) state: Vec<(String, String)>,
    /// The file imports a mail crate (`[writes] mail-crates`): its `send(email)` calls
    /// hand mails to people ([`super::repeat::MAIL`]). Set once per file.
    pub(crate) mail: bool,
    /// The entity module whose `ActiveModel` the file imports (`use
    /// super::entity::alerts::ActiveModel`): an `ActiveModel { .. }` without its
    /// module's path is that one's. Set once per file.
    pub(crate) entity: Option<String>,
    /// The file's functions declared to return an entity's `ActiveModel`, each with
    /// that entity's module ([`super::model_fns`]). Set once per file.
    pub(crate) model_fns: Vec<(String, String)>,
}
