//! The part of a package's schema its sea-query migrations declare in Rust
//! ([`crate::extract::rust::routes::sea`] reads them per file), and how a sea-orm
//! insert is refused on a repeat by it.

use std::collections::HashMap;

use super::Schema;
use crate::extract::rust::routes::sea::SeaFact;

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
    pub(crate) fn add_sea(&mut self, module: &str, facts: &[SeaFact]) {
        for fact in facts {
            match fact {
                SeaFact::DropIndex {
                    table,
                    name: Some(name),
                } => {
                    if let Some((t, cols)) = self.sea.named.remove(name).filter(|(t, _)| t == table)
                    {
                        if let Some(sets) = self.unique.get_mut(&t) {
                            sets.retain(|s| *s != cols);
                        }
                    }
                }
                SeaFact::DropTable(table) => {
                    self.unique.remove(table);
                    self.primary.remove(table);
                    self.sea.not_null.remove(table);
                }
                _ => {}
            }
        }
        for fact in facts {
            match fact {
                SeaFact::Entity(table) => {
                    self.sea
                        .entities
                        .insert(module.to_string(), table.to_string());
                }
                SeaFact::Column {
                    table,
                    col,
                    not_null,
                    primary,
                    unique,
                } => self.column(table, col, *not_null || *primary, *primary, *unique),
                SeaFact::Unique { table, name, cols } => {
                    if let Some(name) = name {
                        self.sea
                            .named
                            .insert(name.clone(), (table.clone(), cols.clone()));
                    }
                    self.add_unique(table, cols.clone());
                }
                _ => {}
            }
        }
    }

    /// `ColumnDef::new(T::C)` with its flags: nullability as declared last (a primary
    /// key is not null), a unique or primary key column.
    fn column(&mut self, table: &str, col: &str, required: bool, primary: bool, unique: bool) {
        let not_null = self.sea.not_null.entry(table.to_string()).or_default();
        let listed = not_null.iter().position(|c| c == col);
        match (required, listed) {
            (true, None) => not_null.push(col.to_string()),
            (false, Some(i)) => {
                not_null.swap_remove(i);
            }
            _ => {}
        }
        if primary {
            self.primary
                .insert(table.to_string(), vec![col.to_string()]);
        } else if unique {
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

    /// Facts from the short form of `sea::tests::short`.
    fn facts(text: &str) -> Vec<SeaFact> {
        let name = |n: &str| (n != "-").then(|| n.to_string());
        text.lines()
            .map(|l| match l.split(' ').collect::<Vec<_>>()[..] {
                ["t", t] => SeaFact::Entity(t.into()),
                ["x", t] => SeaFact::DropTable(t.into()),
                ["d", t, n] => SeaFact::DropIndex {
                    table: t.into(),
                    name: name(n),
                },
                ["u", t, n, cols] => SeaFact::Unique {
                    table: t.into(),
                    name: name(n),
                    cols: cols.split(',').map(str::to_string).collect(),
                },
                ["c", t, c, flags] => SeaFact::Column {
                    table: t.into(),
                    col: c.into(),
                    not_null: flags.contains('n'),
                    primary: flags.contains('p'),
                    unique: flags.contains('u'),
                },
                _ => panic!("not a fact: {l}"),
            })
            .collect()
    }

    #[test]
    fn a_sea_orm_insert_is_refused_by_a_unique_set_of_given_or_not_null_columns() {
        let mut s = Schema::default();
        s.add_sea(
            "m1",
            &facts(
                "c alerts id np\nc alerts org n\nc alerts name n\nc alerts token u\n\
             u alerts idx org,name\nu alerts old org\nc keys id np\nc keys token u\n",
            ),
        );
        s.add_sea("m2", &facts("d alerts old\n"));
        s.add_sea("alerts", &facts("t alerts\n"));
        s.add_sea("keys", &facts("t keys\n"));
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
