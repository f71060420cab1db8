#!/usr/bin/env bash
# Runs resilint's libFuzzer targets (fuzz/fuzz_targets/) with cargo fuzz.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]     default: all targets, 60 s each
#
# Targets: config (YAML/JSON loader with positions, judged and rendered), properties
# (Spring Boot .properties loader, judged and rendered), rust (Rust
# extractor: file -> facts -> findings), rule (rule file -> rule, globs included),
# catalog (API catalogue file -> compiled catalogue). Each starts from its committed
# seeds (fuzz/seeds/TARGET) and dictionary (fuzz/dict), keeps what it finds in
# fuzz/corpus/TARGET (not committed) and writes crashes to fuzz/artifacts/TARGET.
# Exit status is non-zero when a target crashed, timed out or ran out of memory.
#
# Needs cargo-fuzz (installed with `cargo install cargo-fuzz --locked` when missing)
# and a nightly toolchain; without one, the stable toolchain is used with
# RUSTC_BOOTSTRAP=1 (cargo fuzz passes a few -Z flags). Set FUZZ_ARGS to pass more
# libFuzzer flags, e.g. FUZZ_ARGS=-jobs=2.
set -euo pipefail

cd "$(dirname "$0")/.."

TARGETS=(config properties rust rule catalog)
target=${1:-all}
seconds=${2:-60}
if [[ $target == all ]]; then
    selected=("${TARGETS[@]}")
elif [[ " ${TARGETS[*]} " == *" $target "* ]]; then
    selected=("$target")
else
    echo "unknown fuzz target '$target': one of ${TARGETS[*]} or all" >&2
    exit 2
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked --version 0.13.2
fi
if cargo +nightly --version >/dev/null 2>&1; then
    cargo=(cargo +nightly)
else
    echo "== no nightly toolchain: using stable with RUSTC_BOOTSTRAP=1"
    export RUSTC_BOOTSTRAP=1
    cargo=(cargo)
fi

dict_of() {
    case $1 in
        config) echo fuzz/dict/yaml.dict ;;
        properties) echo fuzz/dict/properties.dict ;;
        rust) echo fuzz/dict/rust.dict ;;
        *) echo fuzz/dict/toml.dict ;;
    esac
}

# AddressSanitizer stays on (cargo fuzz's default): without it a stack overflow on a
# worker thread kills the process before libFuzzer can save the input. -a: debug
# assertions and overflow checks on, so an arithmetic wrap is a crash too.
status=0
for t in "${selected[@]}"; do
    echo "== fuzz $t for ${seconds}s"
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    # -max_len: long inputs reach the deep shapes (100,000 bytes is ~17,000 closures);
    # -len_control=0 lets them grow that long at once; -timeout and -rss_limit_mb make
    # a slow or bloated input a failure, not only a crash.
    # shellcheck disable=SC2086
    if ! "${cargo[@]}" fuzz run --fuzz-dir fuzz -a "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -dict="$(dict_of "$t")" -max_len=100000 -len_control=0 \
        -timeout=10 -rss_limit_mb=2048 -max_total_time="$seconds" \
        -print_final_stats=1 ${FUZZ_ARGS:-} 2>&1 | sed -E '/^#[0-9]+\s+(NEW|REDUCE) /d'; then
        echo "!! fuzz target $t failed: see fuzz/artifacts/$t/" >&2
        status=1
    fi
done
exit $status
