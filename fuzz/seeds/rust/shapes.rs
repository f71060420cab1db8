#!/usr/bin/env run-cargo-script
// @generated is not at the top, so this file is read.
type T = A<u, A<u, A<u, B>>>;
fn closures() { let _ = |a,b| |a,b| |a,b| 0; }
fn f<'a, T: Iterator<Item = &'a [(u8, &'a str)]> + 'a>(x: T) where for<'b> &'b T: Copy {}
static S: &[&[&[u8]]] = &[&[&[1]]];
const C: fn() -> fn() -> fn() = || || ||{};
struct W(Vec<Vec<Option<Result<(), ()>>>>);
enum E { A = 1 << 3, B { x: [u8; { 1 + (2 * 3) }] } }
fn g() { if let Some(x) = (((((1))))) .checked_add(1) { match x { 0..=9 => {}, _ => loop { break 'a; } } } }
fn h() -> Result<(), Box<dyn std::error::Error>> { a?.b?.c()?.await?; Ok(()) }
unsafe extern "C" { fn ext(); }
