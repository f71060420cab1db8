//! Rebuild when a built-in rule file changes (they are embedded with `include_dir!`).
fn main() {
    println!("cargo:rerun-if-changed=rules");
}
