//! What a SQL write statement does when it is applied twice.
//!
//! A POST whose only writes are an insert the database dedups on a key
//! (`ON CONFLICT`, `INSERT OR IGNORE`, `ON DUPLICATE KEY UPDATE`, ...) or an
//! `UPDATE .. SET col = <value>` repeats safely: the second run leaves the rows as the
//! first left them; so does a delete, which finds nothing more the second time.
//! `SET n = n + 1` and any other insert do not. The
//! phrases are data (`[writes]` of the routes catalogue); only the shape of a `SET`
//! list is read here.

use super::catalog::{find_word, phrase_in, Writes};

/// What one string literal writes, the worst of its statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SqlWrite {
    /// An insert, delete or relative update: a repeat applies it again.
    Plain,
    /// An insert the database dedups on a key (an upsert with absolute updates).
    Upsert,
    /// An update that sets columns to given values.
    Set,
    /// A delete: a repeat finds nothing more to delete.
    Delete,
}

/// How the literal `lower` (lowercased) writes, if it holds a write statement: its
/// first write phrase as the catalogue spells it, and the kind.
pub(crate) fn classify<'w>(w: &'w Writes, lower: &str) -> Option<(&'w str, SqlWrite)> {
    let phrase = w.sql.iter().find(|q| phrase_in(lower, q))?;
    // One space between words: `SET` lists end at ` where `, however the text is laid out.
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    let kind = lower
        .split(';')
        .filter(|st| w.sql.iter().any(|q| phrase_in(st, q)))
        .map(|st| statement(w, st))
        .max_by_key(|k| *k == SqlWrite::Plain)
        .unwrap_or(SqlWrite::Plain);
    Some((phrase, kind))
}

/// One write statement.
fn statement(w: &Writes, st: &str) -> SqlWrite {
    if w.sql_upserts.iter().any(|q| phrase_in(st, q)) {
        // The update part of an upsert must be absolute too (`do update set n = n + 1`
        // counts twice).
        let sets_absolute = w
            .sql_sets
            .iter()
            .filter_map(|q| after_phrase(st, q))
            .all(|list| absolute_sets(w, list));
        return if sets_absolute {
            SqlWrite::Upsert
        } else {
            SqlWrite::Plain
        };
    }
    // A plain update: its first write word is `update` (not an insert or delete that
    // happens to hold an `update .. set`, e.g. in a trigger body).
    let first_write = ["insert", "delete", "update", "replace", "merge"]
        .iter()
        .filter_map(|k| find_word(st, k).map(|at| (at, *k)))
        .min();
    if let Some((_, "delete")) = first_write {
        return SqlWrite::Delete;
    }
    if let Some((_, "update")) = first_write {
        if let Some(list) = w.sql_sets.iter().find_map(|q| after_phrase(st, q)) {
            if absolute_sets(w, list) {
                return SqlWrite::Set;
            }
        }
    }
    SqlWrite::Plain
}

/// The text after `phrase` (a ` * ` pattern) in `st`.
fn after_phrase<'s>(st: &'s str, phrase: &str) -> Option<&'s str> {
    let mut from = 0;
    for part in phrase.split(" * ") {
        let at = find_word(&st[from..], part)?;
        from += at + part.len();
    }
    Some(&st[from..])
}

/// A `SET` list (`a = $1, b = now() where ..`) assigns given values: no column is
/// computed from itself (`n = n + 1`, `tags = tags || $1`), unless through a
/// catalogue function that keeps a repeat stable (`idx = greatest(t.idx, $1)`).
/// The new row's values of an upsert (`excluded.col`, MySQL `values(col)`) are given
/// values.
fn absolute_sets(w: &Writes, list: &str) -> bool {
    let end = [" where ", " returning ", " from ", " on conflict", " when "]
        .iter()
        .filter_map(|k| list.find(k))
        .min()
        .unwrap_or(list.len());
    split_top(&list[..end]).into_iter().all(|a| {
        let Some((lhs, rhs)) = a.split_once('=') else {
            return true;
        };
        let col = lhs
            .trim()
            .rsplit('.')
            .next()
            .unwrap_or("")
            .trim_matches(['"', '`', '[', ']']);
        let rhs = rhs.trim();
        if col.is_empty() || kept(w, rhs) {
            return true;
        }
        let mut rest = rhs;
        while let Some(at) = find_word(rest, col) {
            let before = rest[..at].trim_end();
            let new_value = before.ends_with("excluded.")
                || before.ends_with("new.")
                || before.ends_with("values(");
            if !new_value {
                return false;
            }
            rest = &rest[at + col.len()..];
        }
        true
    })
}

/// `rhs` is one call of a catalogue keep function (`greatest(..)`), nothing after it.
fn kept(w: &Writes, rhs: &str) -> bool {
    let Some((name, args)) = rhs.split_once('(') else {
        return false;
    };
    let name = name.trim();
    let mut depth = 1usize;
    for (i, c) in args.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return args[i + 1..].trim().is_empty()
                        && w.sql_set_keeps.iter().any(|k| k == name);
                }
            }
            _ => {}
        }
    }
    false
}

/// The table and columns of the first plain insert of `lower` (lowercased SQL text),
/// as `table:col,col` (`insert into users (username, email) values ..`:
/// `users:username,email`), quotes and schema left out; `None` without a column list.
pub(crate) fn insert_target(lower: &str) -> Option<String> {
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    let at = find_word(&lower, "insert into")?;
    let rest = lower[at + "insert into".len()..].trim_start();
    let (table, cols) = rest.split_once('(')?;
    let table = unquote(table.trim().rsplit('.').next()?);
    let cols = &cols[..cols.find(')')?];
    if table.is_empty() || table.contains(' ') {
        return None;
    }
    let cols: Vec<&str> = cols.split(',').map(|c| unquote(c.trim())).collect();
    if cols.iter().any(|c| c.is_empty() || c.contains(' ')) {
        return None;
    }
    Some(format!("{table}:{}", cols.join(",")))
}

/// A SQL name without its quotes (`"users"`, `` `users` ``, `[users]`).
pub(crate) fn unquote(name: &str) -> &str {
    name.trim_matches(['"', '`', '[', ']'])
}

/// Splits at commas outside parentheses.
pub(crate) fn split_top(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::rust::routes::RoutesCatalog;

    fn kind(sql: &str) -> Option<SqlWrite> {
        let cat = RoutesCatalog::builtin();
        classify(&cat.writes, &sql.to_ascii_lowercase()).map(|(_, k)| k)
    }

    #[test]
    fn upserts_keyed_on_a_conflict_are_deduped_by_the_database() {
        use SqlWrite::*;
        for sql in [
            "insert into store (id, data) values ($1, $2) on conflict do nothing",
            "INSERT INTO t (id, n) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET n = excluded.n",
            "insert into c (k, idx) values ($1, $2)\n on conflict(k) do update set idx = greatest(c.idx, $2)",
            "INSERT OR IGNORE INTO t (id) VALUES (?)",
            "INSERT OR REPLACE INTO t (id, v) VALUES (?, ?)",
            "INSERT IGNORE INTO t (id) VALUES (?)",
            "INSERT INTO t (id, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)",
            "REPLACE INTO t (id, v) VALUES (?, ?)",
        ] {
            assert_eq!(kind(sql), Some(Upsert), "{sql}");
        }
        for sql in [
            "INSERT INTO t (id, n) VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET n = t.n + 1",
            "INSERT INTO t (id, n) VALUES (?, 1) ON DUPLICATE KEY UPDATE n = n + 1",
            "INSERT INTO t (id) VALUES ($1) ON CONFLICT DO NOTHING; INSERT INTO audit (e) VALUES ($2)",
        ] {
            assert_eq!(kind(sql), Some(Plain), "{sql}");
        }
    }

    #[test]
    fn absolute_updates_set_a_value_relative_ones_and_inserts_do_not() {
        use SqlWrite::*;
        for sql in [
            "update users\n set password = $1\n where id = $2",
            "update users\n            set password = $1\n            where id = $2",
            "UPDATE subscriptions SET paused = true, updated_at = now() WHERE id = $1",
            "UPDATE t SET a = coalesce($1, a) WHERE id = $2",
        ] {
            assert_eq!(kind(sql), Some(Set), "{sql}");
        }
        for sql in [
            "UPDATE counters SET n = n + 1 WHERE id = $1",
            "UPDATE posts SET tags = tags || $1 WHERE id = $2",
            "UPDATE t SET a = $1 WHERE id = $2; INSERT INTO audit (e) VALUES ($2)",
            "INSERT INTO users (name) VALUES ($1)",
        ] {
            assert_eq!(kind(sql), Some(Plain), "{sql}");
        }
        for sql in [
            "DELETE FROM sessions WHERE id = $1",
            "delete from t where id = $1; delete from u where t = $1",
        ] {
            assert_eq!(kind(sql), Some(Delete), "{sql}");
        }
        assert_eq!(kind("SELECT * FROM t WHERE updated"), None);
    }

    #[test]
    fn an_insert_names_its_table_and_columns() {
        for (sql, want) in [
            (
                "insert into users\n (username, email, password)\n values($1, $2, $3)",
                Some("users:username,email,password"),
            ),
            (
                "INSERT INTO public.\"Subs\" (\"id\", email) VALUES ($1, $2)",
                Some("subs:id,email"),
            ),
            ("insert into users values ($1, $2)", None),
            ("update users set a = $1", None),
        ] {
            assert_eq!(
                insert_target(&sql.to_ascii_lowercase()).as_deref(),
                want,
                "{sql}"
            );
        }
    }
}
