//! The part of a package's schema its sea-query migrations declare in Rust
//! ([`crate::extract::rust::routes::sea`] reads them per file), and how a sea-orm
//! insert is refused on a repeat by it.

use std::collections::HashMap;

use super::Schema;

/// What sea-query code declares besides unique sets and primary keys.
#[derive(Debug, Default)]
pub(super) struct SeaSchema {
    /// Table → its columns declared `not_null()` (or primary key) last.
    not_null: HashMap<String, Vec<String>>,
    /// Index name → the table and unique set it made (a later `Index::drop()` names it).
    named: HashMap<String, (String, Vec<String>)>,
    /// Entity module → its table (`alerts` of `entity/alerts.rs`: `alerts`).
    entities: HashMap<String, String>,
}

impl Schema {
    /// Adds one file's facts ([`crate::extract::rust::routes::sea::file_facts`]); `module`
    /// is the file's module name. Files come in the order of their module paths, which
    /// for migrations named by date is the order they run in; within a file, what it
    /// drops goes before what it makes (a table dropped and made again, an index
    /// replaced by a wider one).
    pub(crate) fn add_sea(&mut self, module: &str, facts: &str) {
        for line in facts.lines() {
            let mut f = line.split(' ');
            match (f.next(), f.next(), f.next()) {
                (Some("d"), Some(table), Some(name)) => {
                    if let Some((t, cols)) = self.sea.named.remove(name).filter(|(t, _)| t == table)
                    {
                        if let Some(sets) = self.unique.get_mut(&t) {
                            sets.retain(|s| *s != cols);
                        }
                    }
                }
                (Some("x"), Some(table), None) => {
                    self.unique.remove(table);
                    self.primary.remove(table);
                    self.sea.not_null.remove(table);
                }
                _ => {}
            }
        }
        for line in facts.lines() {
            let mut f = line.split(' ');
            match (f.next(), f.next(), f.next(), f.next()) {
                (Some("t"), Some(table), None, None) => {
                    self.sea
                        .entities
                        .insert(module.to_string(), table.to_string());
                }
                (Some("c"), Some(table), Some(col), Some(flags)) => self.column(table, col, flags),
                (Some("u"), Some(table), Some(name), Some(cols)) => {
                    let cols: Vec<String> = cols.split(',').map(str::to_string).collect();
                    if name != "-" {
                        self.sea
                            .named
                            .insert(name.to_string(), (table.to_string(), cols.clone()));
                    }
                    self.add_unique(table, cols);
                }
                _ => {}
            }
        }
    }

    /// `ColumnDef::new(T::C)` with its flags: nullability as declared last, a unique or
    /// primary key column.
    fn column(&mut self, table: &str, col: &str, flags: &str) {
        let not_null = self.sea.not_null.entry(table.to_string()).or_default();
        let listed = not_null.iter().position(|c| c == col);
        match (flags.contains(['n', 'p']), listed) {
            (true, None) => not_null.push(col.to_string()),
            (false, Some(i)) => {
                not_null.swap_remove(i);
            }
            _ => {}
        }
        if flags.contains('p') {
            self.primary
                .insert(table.to_string(), vec![col.to_string()]);
        } else if flags.contains('u') {
            self.add_unique(table, vec![col.to_string()]);
        }
    }

    /// How a sea-orm insert into the table of entity module `module` is refused on a
    /// repeat: a unique set of that table (the primary key aside) each of whose
    /// columns the insert sets in sight, to no identity the server makes (`cols`, one
    /// marked `!` is), or is declared `not_null()` (a value the request brings, set
    /// where it is not in sight: nothing tells it from another, so it is taken for
    /// the request's). A nullable column left unset holds NULL, which no unique index
    /// refuses twice.
    pub(crate) fn refuses_orm(&self, module: &str, cols: &[&str]) -> Option<String> {
        let table = self.sea.entities.get(module)?;
        let not_null = self.sea.not_null.get(table.as_str());
        let ok = |c: &String| match cols.iter().find(|g| g.trim_end_matches('!') == c) {
            Some(g) => !g.ends_with('!'),
            None => not_null.is_some_and(|n| n.contains(c)),
        };
        let set = self
            .unique
            .get(table.as_str())?
            .iter()
            .filter(|s| s.iter().all(ok))
            .min()?;
        Some(format!("{table}.{}", set.join(",")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sea_orm_insert_is_refused_by_a_unique_set_of_given_or_not_null_columns() {
        let mut s = Schema::default();
        s.add_sea(
            "m1",
            "c alerts id np\nc alerts org n\nc alerts name n\nc alerts token u\n\
             u alerts idx org,name\nu alerts old org\nc keys id np\nc keys token u\n",
        );
        s.add_sea("m2", "d alerts old\n");
        s.add_sea("alerts", "t alerts\n");
        s.add_sea("keys", "t keys\n");
        // The id is new on every attempt; (org, name) is not.
        assert_eq!(
            s.refuses_orm("alerts", &["id!", "org"]).as_deref(),
            Some("alerts.org,name")
        );
        // A nullable unique column left unset, or set to a new token.
        assert_eq!(s.refuses_orm("keys", &["id!"]), None);
        assert_eq!(s.refuses_orm("keys", &["id!", "token!"]), None);
        assert_eq!(
            s.refuses_orm("keys", &["token"]).as_deref(),
            Some("keys.token")
        );
        // The dropped index `old` no longer refuses; an unknown entity nothing.
        assert_eq!(s.refuses_orm("alerts", &["org!"]), None);
        assert_eq!(s.refuses_orm("users", &["email"]), None);
    }
}
