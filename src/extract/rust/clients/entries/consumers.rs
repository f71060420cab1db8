//! What a file names that a catalogue client's value is consumed by (`consumed-by`:
//! `aws_sdk_s3::Client` made from an `SdkConfig`).

use super::Visitor;

impl Visitor<'_, '_> {
    /// A path into what some catalogue client's value is consumed by (`consumed-by`:
    /// `aws_sdk_s3::Client`, `aws_config::sts::AssumeRoleProvider`).
    pub(super) fn note_consumer(&mut self, path: &[String]) {
        let heads = &self.ctx.catalog.consumer_heads;
        if !path
            .first()
            .is_some_and(|f| heads.iter().any(|h| f.starts_with(h.as_str())))
        {
            return;
        }
        for (i, api) in self.ctx.catalog.clients.iter().enumerate() {
            let named = api
                .consumed_by
                .iter()
                .any(|entry| consumer_path(entry, path));
            if named && !self.facts.consumers_named.contains(&i) {
                self.facts.consumers_named.push(i);
            }
        }
    }
}

/// Whether `path` starts with the segments of a `consumed-by` entry, a segment ending
/// in `*` matching by prefix (`aws_sdk_*::Client` matches `aws_sdk_s3::Client::new`).
fn consumer_path(entry: &str, path: &[String]) -> bool {
    let mut n = 0;
    for (want, got) in entry.split("::").zip(path) {
        let ok = match want.strip_suffix('*') {
            Some(prefix) => got.starts_with(prefix),
            None => want == got,
        };
        if !ok {
            return false;
        }
        n += 1;
    }
    n == entry.split("::").count()
}
