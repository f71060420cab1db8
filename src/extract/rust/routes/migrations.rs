//! The unique columns a package's SQL migrations declare, so an insert naming one
//! is known to be refused when a request is repeated: the second attempt brings the
//! same value (atuin's `/register`: `username text not null unique`).
//!
//! Read from `<package>/migrations/**/*.sql` (down migrations aside) when the link
//! step first asks about an insert of that package, once per run and package: a run
//! that judges no insert reads nothing. Only the shapes that declare uniqueness are
//! parsed: `CREATE TABLE` column and table constraints, `CREATE UNIQUE INDEX` (not a
//! partial one, `.. WHERE ..`, which holds for some rows only) and `ALTER TABLE .. ADD
//! [CONSTRAINT ..] UNIQUE (..)` / `ADD COLUMN .. UNIQUE`. Primary keys are kept apart:
//! a key the server makes (`Uuid::new_v4()`) is new on every attempt.

use std::collections::HashMap;
use std::path::Path;

use super::catalog::find_word;
use super::sql::{split_top, unquote};

mod sea_schema;

/// Migration files read at most per package, and bytes read at most per file: a
/// schema is small; anything bigger is not a migration folder.
const MAX_FILES: usize = 4096;
const MAX_BYTES: u64 = 1 << 20;

/// The schemas of the packages of a run, each read on first use.
#[derive(Default)]
pub(crate) struct Schemas<'a> {
    /// Per package: its directory, when known.
    roots: Vec<Option<&'a Path>>,
    /// Per package: the sea-query facts of its files ([`super::sea::file_facts`]), each
    /// with its file's module path (migrations apply in the order of their names) and
    /// module name (an entity's module names its table).
    sea: Vec<Vec<SeaFile<'a>>>,
    loaded: std::cell::RefCell<HashMap<usize, std::rc::Rc<Schema>>>,
}

/// A file's sea-query facts: its module path, its module's name, the facts.
pub(crate) type SeaFile<'a> = (&'a str, &'a str, &'a [super::sea::SeaFact]);

impl<'a> Schemas<'a> {
    pub(crate) fn new(roots: Vec<Option<&'a Path>>, sea: Vec<Vec<SeaFile<'a>>>) -> Self {
        Schemas {
            roots,
            sea,
            loaded: Default::default(),
        }
    }

    /// The schema of package `pkg` (empty when its directory is unknown and it
    /// declares none in code).
    pub(crate) fn of(&self, pkg: usize) -> std::rc::Rc<Schema> {
        if let Some(s) = self.loaded.borrow().get(&pkg) {
            return s.clone();
        }
        let mut schema = match self.roots.get(pkg).copied().flatten() {
            Some(root) => Schema::load(root),
            None => Schema::default(),
        };
        if let Some(files) = self.sea.get(pkg) {
            let mut files = files.clone();
            files.sort_unstable();
            for (_, module, facts) in files {
                schema.add_sea(module, facts);
            }
        }
        let schema = std::rc::Rc::new(schema);
        self.loaded.borrow_mut().insert(pkg, schema.clone());
        schema
    }
}

/// The unique column sets and primary keys of a package's tables.
#[derive(Debug, Default)]
pub(crate) struct Schema {
    /// Table → its unique column sets (each a single column or a composite key).
    unique: HashMap<String, Vec<Vec<String>>>,
    /// Table → its primary key columns.
    primary: HashMap<String, Vec<String>>,
    /// What sea-query code declares besides ([`sea_schema`]): nullability, index
    /// names, entities' tables.
    sea: sea_schema::SeaSchema,
}

impl Schema {
    /// The schema the migrations under `root/migrations` declare (empty without any).
    pub(crate) fn load(root: &Path) -> Schema {
        let mut files = Vec::new();
        collect(&root.join("migrations"), 0, &mut files);
        files.sort();
        let mut schema = Schema::default();
        for f in files {
            if let Ok(text) = std::fs::read_to_string(&f) {
                schema.parse(&text);
            }
        }
        schema
    }

    /// Adds what one migration's text declares.
    pub(crate) fn parse(&mut self, text: &str) {
        let lower = strip_comments(&text.to_ascii_lowercase());
        for st in lower.split(';') {
            let st = st.split_whitespace().collect::<Vec<_>>().join(" ");
            if let Some(rest) = after(&st, "create table") {
                self.create_table(rest);
            } else if let Some(rest) = after(&st, "create unique index") {
                self.unique_index(rest);
            } else if let Some(rest) = after(&st, "alter table") {
                self.alter_table(rest);
            }
        }
    }

    /// How an insert into `table` of `cols` is refused on a repeat: a unique column
    /// set all of whose columns it gives (`users.username`). With `server_key`, the
    /// inserting code makes an identity: the insert must give the table's primary key
    /// too (that identity is the record's key, not the unique column's value).
    pub(crate) fn refuses(&self, table: &str, cols: &[&str], server_key: bool) -> Option<String> {
        if server_key {
            let pk = self.primary.get(table)?;
            if pk.is_empty() || !pk.iter().all(|c| cols.contains(&c.as_str())) {
                return None;
            }
        }
        let sets = self.unique.get(table)?;
        let set = sets
            .iter()
            .filter(|s| s.iter().all(|c| cols.contains(&c.as_str())))
            .min()?;
        Some(format!("{table}.{}", set.join(",")))
    }

    fn add_unique(&mut self, table: &str, cols: Vec<String>) {
        if cols.is_empty() || cols.iter().any(String::is_empty) {
            return;
        }
        let sets = self.unique.entry(table.to_string()).or_default();
        if !sets.contains(&cols) {
            sets.push(cols);
        }
    }

    /// `name ( col type .. unique, .., unique (a, b), primary key (id) )`.
    fn create_table(&mut self, rest: &str) {
        let rest = rest.strip_prefix("if not exists ").unwrap_or(rest);
        let Some((name, body)) = rest.split_once('(') else {
            return;
        };
        let table = table_name(name);
        let body = inside(body);
        for item in split_top(body) {
            let item = item.trim();
            let item = match item.strip_prefix("constraint ") {
                // `constraint users_name_key unique (name)`: what follows its name.
                Some(c) => c.split_once(' ').map_or("", |(_, r)| r.trim()),
                None => item,
            };
            if let Some(cols) = item.strip_prefix("unique") {
                self.add_unique(&table, columns(cols));
            } else if let Some(cols) = item.strip_prefix("primary key") {
                self.primary.insert(table.clone(), columns(cols));
            } else if item.starts_with("foreign key") || item.starts_with("check") {
            } else if let Some(col) = item.split(' ').next().map(unquote) {
                if find_word(item, "primary key").is_some() {
                    self.primary.insert(table.clone(), vec![col.to_string()]);
                } else if find_word(item, "unique").is_some() {
                    self.add_unique(&table, vec![col.to_string()]);
                }
            }
        }
    }

    /// `[concurrently] [if not exists] [name] on [only] table [using m] (cols) [where ..]`.
    fn unique_index(&mut self, rest: &str) {
        let Some(on) = find_word(rest, "on") else {
            return;
        };
        let rest = &rest[on + 2..];
        let rest = rest
            .trim_start()
            .strip_prefix("only ")
            .unwrap_or(rest.trim_start());
        let Some((name, cols)) = rest.split_once('(') else {
            return;
        };
        let table = table_name(name.split(" using ").next().unwrap_or(name));
        let end = close(cols);
        if find_word(&cols[end..], "where").is_some() {
            return;
        }
        self.add_unique(&table, columns(&format!("({}", &cols[..end])));
    }

    /// `[only] [if exists] table add [constraint n] unique (cols)`, `.. add [column] c t unique`.
    fn alter_table(&mut self, rest: &str) {
        let rest = rest.strip_prefix("only ").unwrap_or(rest);
        let rest = rest.strip_prefix("if exists ").unwrap_or(rest);
        let Some((name, action)) = rest.split_once(" add ") else {
            return;
        };
        let table = table_name(name);
        let action = match action.strip_prefix("constraint ") {
            Some(c) => c.split_once(' ').map_or("", |(_, r)| r.trim()),
            None => action,
        };
        if let Some(cols) = action.strip_prefix("unique") {
            self.add_unique(&table, columns(cols));
        } else {
            let col = action.strip_prefix("column ").unwrap_or(action);
            let col = col.strip_prefix("if not exists ").unwrap_or(col);
            if find_word(col, "unique").is_some() && find_word(col, "primary key").is_none() {
                if let Some(c) = col.split(' ').next() {
                    self.add_unique(&table, vec![unquote(c).to_string()]);
                }
            }
        }
    }
}

/// The `.sql` files under `dir` that are not down migrations, a few levels deep.
fn collect(dir: &Path, depth: usize, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if out.len() >= MAX_FILES {
            return;
        }
        let path = e.path();
        let Ok(meta) = e.metadata() else { continue };
        if meta.is_dir() && depth < 3 {
            collect(&path, depth + 1, out);
        } else if meta.is_file()
            && meta.len() <= MAX_BYTES
            && path.extension().is_some_and(|x| x == "sql")
            && !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().contains("down"))
        {
            out.push(path);
        }
    }
}

/// The text after `phrase` when the statement starts with it.
fn after<'s>(st: &'s str, phrase: &str) -> Option<&'s str> {
    st.trim_start().strip_prefix(phrase).map(str::trim_start)
}

/// `--` line comments and `/* */` block comments removed.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let line = rest.find("--");
        let block = rest.find("/*");
        match (line, block) {
            (Some(l), b) if b.is_none_or(|b| l < b) => {
                out.push_str(&rest[..l]);
                rest = rest[l..].find('\n').map_or("", |e| &rest[l + e..]);
            }
            (_, Some(b)) => {
                out.push_str(&rest[..b]);
                rest = rest[b..].find("*/").map_or("", |e| &rest[b + e + 2..]);
            }
            _ => {
                out.push_str(rest);
                rest = "";
            }
        }
    }
    out
}

/// A table's name without quotes or schema (`public."users"`: `users`).
fn table_name(name: &str) -> String {
    let name = name.trim();
    unquote(name.rsplit('.').next().unwrap_or(name)).to_string()
}

/// The text up to the parenthesis closing the one just opened.
fn inside(s: &str) -> &str {
    &s[..close(s)]
}

/// The position of the parenthesis closing the one opened before `s`.
fn close(s: &str) -> usize {
    let mut depth = 1usize;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    s.len()
}

/// The columns of `(a, "b", lower(c))`: each the last name of its expression.
fn columns(s: &str) -> Vec<String> {
    let Some(open) = s.find('(') else {
        return Vec::new();
    };
    let list = inside(&s[open + 1..]);
    split_top(list)
        .into_iter()
        .map(|c| {
            let c = c.trim();
            // `lower(email)`: the column inside; `name text_pattern_ops`: the name.
            let c = match c.find('(') {
                Some(o) => inside(&c[o + 1..]),
                None => c,
            };
            unquote(c.split(' ').next().unwrap_or("")).to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_columns_come_from_tables_indexes_and_alterations() {
        let mut s = Schema::default();
        s.parse(
            "create table users (
                id bigserial primary key, -- our own id
                username varchar(32) not null unique,
                email text not null,
                org text, slug text,
                CONSTRAINT org_slug UNIQUE (org, slug)
            );
            CREATE UNIQUE INDEX email_idx ON users (LOWER(email));
            CREATE UNIQUE INDEX live_idx ON users (org) WHERE deleted IS NULL;
            ALTER TABLE users ADD COLUMN handle text UNIQUE;
            /* sessions: their token is made by the server */
            CREATE TABLE \"sessions\" (id uuid NOT NULL, PRIMARY KEY (id), token text unique);",
        );
        assert_eq!(
            s.refuses("users", &["username", "email"], false).as_deref(),
            Some("users.email")
        );
        assert_eq!(
            s.refuses("users", &["username"], false).as_deref(),
            Some("users.username")
        );
        assert_eq!(
            s.refuses("users", &["handle"], false).as_deref(),
            Some("users.handle")
        );
        assert_eq!(
            s.refuses("users", &["org", "slug"], false).as_deref(),
            Some("users.org,slug")
        );
        // A partial index holds for some rows only; one column of a composite key is none.
        assert_eq!(s.refuses("users", &["org"], false), None);
        // A key made on the server: the primary key must be among the columns given.
        assert_eq!(s.refuses("sessions", &["token"], true), None);
        assert_eq!(
            s.refuses("sessions", &["id", "token"], true).as_deref(),
            Some("sessions.token")
        );
        assert_eq!(
            s.refuses("users", &["id", "username"], true).as_deref(),
            Some("users.username")
        );
        assert_eq!(s.refuses("events", &["id"], false), None);
    }

    #[test]
    fn a_package_without_migrations_has_no_unique_column() {
        let s = Schema::load(Path::new("/nonexistent-resilint-package"));
        assert_eq!(s.refuses("users", &["username"], false), None);
    }
}
