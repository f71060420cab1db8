//! Every output format is written while it is rendered, never built whole first:
//! on 100,000 findings a whole SARIF log in memory took 800 MB (issue 11). The
//! check is structural, not a timing or a memory figure: each format is written
//! onto a writer that records the size of every write, and no single write may
//! hold more than a small, fixed part of an output of several megabytes. A renderer
//! that makes a `String` (or a `serde_json::Value`) of the whole output and writes
//! it at the end fails here.

use std::io::{self, Write};

use clap::ValueEnum;
use resilint::cli::Format;
use resilint::engine::{self, Options};
use resilint::output::{self, Finished};
use resilint::render::Repo;

/// The most a renderer may hand its writer at once: a few findings' worth.
const MAX_WRITE: usize = 16 << 10;

/// Counts what it is given and remembers the largest single write.
#[derive(Default)]
struct Recorder {
    total: usize,
    largest: usize,
    writes: usize,
}

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.total += buf.len();
        self.largest = self.largest.max(buf.len());
        self.writes += 1;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A VirtualService of `n` routes, each without a timeout and naming one of 15
/// hosts with no DestinationRule: a finding per route, and one per host standing
/// for its routes (`related`).
fn routes(n: usize) -> String {
    let mut s = String::from(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: m}\nspec:\n  hosts: [m]\n  http:\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "  - route: [{{destination: {{host: h{}}}}}]\n",
            i % 15
        ));
    }
    s
}

fn report(dir: &std::path::Path) -> Finished {
    std::fs::write(dir.join("vs.yaml"), routes(1_500)).unwrap();
    let outcome = engine::run(&Options {
        paths: vec![dir.to_path_buf()],
        config: None,
        threads: Some(1),
    })
    .unwrap();
    assert!(outcome.report.findings.len() >= 1_500);
    Finished {
        report: outcome.report,
        files: outcome.files,
        graph: outcome.graph,
    }
}

#[test]
fn every_format_is_written_as_it_is_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let done = report(dir.path());
    let repo = Repo::default();
    for &format in Format::value_variants() {
        let mut out = Recorder::default();
        output::write(format, &done, &repo, false, &mut out).unwrap();
        // Big enough that a whole-output write could not pass for a small one.
        assert!(
            out.total > 8 * MAX_WRITE,
            "{format:?}: only {} bytes",
            out.total
        );
        assert!(
            out.largest <= MAX_WRITE,
            "{format:?}: one write of {} bytes out of {} in {} writes: this format is \
             built in memory before it is written; write it as it is rendered",
            out.largest,
            out.total,
            out.writes
        );
        // The same bytes as the string form tests and the fuzz harness use.
        assert_eq!(
            output::render(format, &done, &repo, false).len(),
            out.total,
            "{format:?}"
        );
    }
}
