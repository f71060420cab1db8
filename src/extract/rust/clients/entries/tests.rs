use std::path::Path;

use super::*;

fn expr(text: &str) -> Expr {
    syn::parse_str(text).unwrap()
}

/// One file's facts, in a package with these dependencies.
fn summarized(src: &str, manifest: &str) -> FileFacts {
    let catalog = crate::engine::load_catalog(&crate::config::Config::default()).expect("catalog");
    let deps = crate::extract::rust::read_deps(manifest).expect("manifest");
    let ctx = crate::extract::rust::Ctx {
        catalog: &catalog,
        deps: Some(&deps),
        max_tokens: crate::extract::rust::scan::MAX_TOKENS,
    };
    let source =
        crate::source::SourceFile::new("main.rs".into(), "main.rs".into(), src.to_string());
    crate::extract::rust::summarize(&source, &ctx).expect("summarised")
}

const MANIFEST: &str = "[package]\nname = \"app\"\n[dependencies]\naxum = \"0.7\"\n\
    pager = { path = \"../pager\" }\nshared = { workspace = true }\nserde = \"1\"\n";

#[test]
fn a_file_shows_its_dispatch_its_loops_its_framework_and_its_local_packages() {
    let f = summarized(
        "mod admin; mod monitor; mod util;
        use pager::Pager;
        fn main() {
            match cmd() {
                Cmd::Admin(c) => admin::run(c),
                Cmd::Monitor => { monitor::run().await? }
                Cmd::Other => util::helper(),
                Cmd::Elsewhere => std::process::exit(1),
            }
        }",
        MANIFEST,
    );
    assert_eq!(
        f.dispatch,
        ["admin", "monitor", "util"],
        "modules the file declares"
    );
    assert!(!f.long_running && !f.framework && !f.ephemeral_server);
    assert_eq!(f.local_crates, ["pager"]);
    let f = summarized(
        "async fn run() { while let Some(m) = rx.recv().await { shared::handle(m); } }",
        MANIFEST,
    );
    assert!(f.long_running, "a while that awaits");
    assert_eq!(
        f.local_crates,
        ["shared"],
        "a workspace dependency named by path"
    );
    let f = summarized("fn run() { for x in xs { go(x) } }", MANIFEST);
    assert!(!f.long_running, "a for over a collection");
    let f = summarized(
        "async fn run(c: &C) -> R<()> { for (k, v) in fetch(c).await? { go(k, v) } Ok(()) }",
        MANIFEST,
    );
    assert!(
        !f.long_running && !f.repeats,
        "a for over what one call returned"
    );
    let f = summarized(
        "async fn run(s: S) -> R<()> { while let Some(r) = s.message().await? { go(r) } Ok(()) }",
        MANIFEST,
    );
    assert!(!f.long_running, "a while reading a response to its end");
    assert!(f.repeats, "but it repeats, for as long as it is fed");
    let f = summarized("fn run() { let r = loop { break 1; }; go(r) }", MANIFEST);
    assert!(
        !f.long_running && f.repeats,
        "a loop whose value is its result"
    );
    let f = summarized(
        "async fn start() { let l = tokio::net::TcpListener::bind(\"127.0.0.1:0\").await; \
         axum::serve(l, app).await; }",
        MANIFEST,
    );
    assert!(f.framework && f.long_running && f.ephemeral_server);
    let f = summarized(
        "fn main() { match c { A => a::run(), B => b::run() } }",
        MANIFEST,
    );
    assert!(
        f.dispatch.is_empty(),
        "`a` and `b` are no modules of the file"
    );
}

#[test]
fn module_files_and_their_module_directories() {
    let dir = |p: &str| {
        let (d, n) = module_dir(Path::new(p));
        (d.display().to_string(), n)
    };
    assert_eq!(dir("src/cli/mod.rs"), ("src/cli".into(), "cli".into()));
    assert_eq!(dir("src/cli.rs"), ("src/cli".into(), "cli".into()));
    assert_eq!(dir("src/lib.rs"), ("src".into(), "lib".into()));
}

#[test]
fn binary_roots_and_their_module_directories() {
    let root = |p: &str| {
        let bins = [
            "main.rs".into(),
            "bin/cli.rs".into(),
            "src/bin/gen/main.rs".into(),
        ];
        binary_root(Path::new(p), &bins).map(|(d, n)| (d.display().to_string(), n))
    };
    assert_eq!(
        root("main.rs"),
        Some(("".into(), "main".into())),
        "declared"
    );
    assert_eq!(
        root("bin/cli.rs"),
        Some(("bin/cli".into(), "cli".into())),
        "declared"
    );
    assert_eq!(root("src/main.rs"), Some(("src".into(), "main".into())));
    assert_eq!(
        root("src/bin/gen/main.rs"),
        Some(("src/bin/gen".into(), "gen".into())),
        "declared in a directory of its own: that binary's, not the package's `main`"
    );
    assert_eq!(
        root("src/bin/migrate.rs"),
        Some(("src/bin/migrate".into(), "migrate".into()))
    );
    assert_eq!(
        root("src/bin/app/main.rs"),
        Some(("src/bin/app".into(), "app".into()))
    );
    assert_eq!(root("src/bin/app/monitor.rs"), None);
    assert_eq!(root("src/lib.rs"), None);
}

#[test]
fn an_arm_calls_a_function_of_a_module() {
    // The modules the file declares (or local packages); `std` is neither.
    let modules =
        |m: &str| ["server", "admin", "a", "b", "extension", "upgrade", "login"].contains(&m);
    let own = |m: &str| ["crate", "edge"].contains(&m);
    let arm_module =
        |text: &str| super::arms::arm_module(&expr(text), &modules, &own).map(|(m, _)| m);
    assert_eq!(arm_module("server::run()"), Some("server".into()));
    assert_eq!(arm_module("{ admin::run(c).await? }"), Some("admin".into()));
    assert_eq!(arm_module("run()"), None, "no module");
    assert_eq!(arm_module("{ a::run(); b::run() }"), None, "two statements");
    // Through the wrappers a result passes on its way out, and after a guard.
    assert_eq!(
        arm_module("Ok(extension::execute(cmd)?)"),
        Some("extension".into())
    );
    assert_eq!(
        arm_module(
            "{ if std::env::var_os(\"MANAGED\").is_some() { return Err(E::NotDirect); } upgrade::install().map_err(Into::into) }"
        ),
        Some("upgrade".into())
    );
    assert_eq!(
        arm_module("{ Data::init()?; login::run() }"),
        Some("login".into()),
        "a type's function before the tail"
    );
    // An arm that only reports the error of the work it hands on.
    assert_eq!(
        arm_module("{ if let Err(e) = admin::run(&c).await { eprintln!(\"{e}\"); } }"),
        Some("admin".into())
    );
    assert_eq!(
        arm_module("{ if let Some(c) = admin::run(&c) { eprintln!(\"{c}\"); } }"),
        None,
        "no error report"
    );
    // A module of the package's own library, named from its binary.
    let of_library = |text: &str| super::arms::arm_module(&expr(text), &modules, &own);
    assert_eq!(
        of_library("edge::health_checker::check_health(a).await"),
        Some(("health_checker".into(), true))
    );
    assert_eq!(
        of_library("crate::ready::check(a)"),
        Some(("ready".into(), true))
    );
    assert_eq!(of_library("server::run()"), Some(("server".into(), false)));
}

#[test]
fn ephemeral_loopback_addresses() {
    for host in [
        "[127, 0, 0, 1]",
        "\"127.0.0.1\"",
        "Ipv4Addr::LOCALHOST",
        "IpAddr::V4(Ipv4Addr::LOCALHOST)",
    ] {
        assert!(is_loopback(&expr(host)), "{host}");
    }
    for host in ["[0, 0, 0, 0]", "\"0.0.0.0\"", "addr"] {
        assert!(!is_loopback(&expr(host)), "{host}");
    }
    assert!(is_zero(&expr("0")));
    assert!(!is_zero(&expr("8080")));
}

#[test]
fn a_library_is_reached_only_by_commands_when_every_file_naming_it_is_one() {
    let file = |names: &[&str]| {
        let f = FileFacts {
            local_crates: names.iter().map(|n| n.to_string()).collect(),
            ..FileFacts::default()
        };
        (0, f)
    };
    let files = [file(&["pager"]), file(&["pager", "db"]), file(&[])];
    let monitor = Some("run only by `app monitor`".to_string());
    let only = [monitor.clone(), monitor.clone(), None];
    assert_eq!(
        super::super::workspace::reached_only_by_commands(&files, &only, "pager").as_deref(),
        monitor.as_deref()
    );
    let server_too = [monitor.clone(), None, None];
    assert_eq!(
        super::super::workspace::reached_only_by_commands(&files, &server_too, "pager"),
        None
    );
    assert_eq!(
        super::super::workspace::reached_only_by_commands(&files, &only, "cache"),
        None,
        "named by no file"
    );
}

#[test]
fn a_loop_that_ends_with_its_work_is_no_serve_loop() {
    let shows =
        |body: &str| summarized(&format!("async fn run() {{ {body} }}"), MANIFEST).long_running;
    assert!(
        !shows("loop { match login().await? { Answer::Ok => break, Answer::Again => ask() } }"),
        "a re-prompt left on success"
    );
    assert!(!shows(
        "let s = loop { if let Some(s) = try_it().await { break s; } };"
    ));
    assert!(
        !shows("let r = 'render: loop { tokio::select! { e = ev => { break 'render e; } } };"),
        "a loop whose value is bound ends with it, whatever a macro hides"
    );
    assert!(!shows(
        "loop { match check().await { None => return store(k).await, Some(_) => k = ask() } }"
    ));
    assert!(!shows(
        "while let Some(r) = stream.message().await? { ids.push(r) }"
    ));
    assert!(
        shows(
            "loop { let m = match rx.recv().await { Some(m) => m, None => break }; go(m).await; }"
        ),
        "a consumer stops when its channel closes"
    );
    assert!(shows(
        "loop { let Some(m) = rx.recv().await else { break }; go(m).await; }"
    ));
    assert!(shows(
        "loop { match tick().await { Err(e) => return Err(e), Ok(_) => go().await } }"
    ));
    assert!(
        shows("loop { poll().await; if restart_flag.exists() { return Ok(()); } }"),
        "a worker stops on a restart flag"
    );
    assert!(shows(
        "loop { if self.token.is_cancelled() { break; } poll().await; }"
    ));
    assert!(
        !shows("loop { if done.is_ready() { break; } poll().await; }"),
        "no stop named: the work is done"
    );
    assert!(
        shows("loop { for x in xs { if x { break; } } tick().await; }"),
        "a nested loop's break"
    );
    assert!(shows(
        "loop { tokio::select! { _ = stop => break, c = accept() => serve(c) } }"
    ));
    assert!(shows("while let Some(m) = rx.recv().await { go(m) }"));
    assert!(
        !shows("while let Some(Ok(m)) = rx.next().await { if let Text(s) = m { return Ok(Some(s)); } }"),
        "a wait for one reply hands on what it read"
    );
    assert!(
        !shows("while let Ok(Some(x)) = lines.next_line().await { match x.trim() { \"y\" => return true, \"n\" => return false, _ => ask() } }"),
        "a prompt answers with a literal a match on what it read decides"
    );
    assert!(
        shows("while let Some(m) = rx.recv().await { match m { Msg::Stop => return Ok(()), Msg::Work(w) => go(w).await } }"),
        "a stop message's return is no answer"
    );
    assert!(
        shows("while let Some(m) = rx.recv().await { match state { S::Done => return true, _ => go(m).await } }"),
        "a match on something the loop did not read"
    );
    assert!(
        shows("while let Some(m) = rx.recv().await { if m.is_stop() { return Ok(()); } go(m).await; }"),
        "a consumer's return on a stop message names nothing it read"
    );
    assert!(
        shows("while let Some(m) = rx.recv().await { match m { Err(e) => return Err(e), Ok(v) => go(v).await } }"),
        "a return in an arm that gives up"
    );
}

#[test]
fn draining_a_channel_the_function_keeps_to_itself_is_no_serve_loop() {
    let shows =
        |body: &str| summarized(&format!("async fn run() {{ {body} }}"), MANIFEST).long_running;
    let drain = "tokio::spawn(async move { while let Some(v) = rx.recv().await { show(v) } });";
    // The sender stays with the function: sent on, aliased, in a stream adapter's
    // closure, in a spawned task, dropped.
    assert!(!shows(&format!(
        "let (tx, mut rx) = mpsc::channel(1); {drain} \
         items.map(|i| {{ let tx = &tx; async move {{ tx.send(i).await }} }}).collect().await; \
         drop(tx);"
    )));
    assert!(!shows(&format!(
        "let (send, mut rx) = channel(1); {drain} \
         let t = spawn_threadpool(move || read_all(&path, &send)); t.await;"
    )));
    assert!(!shows(
        "let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel(); tx.send(1).unwrap(); \
         let tx2 = tx.clone(); tx2.send(2).unwrap(); drop(tx); drop(tx2); \
         while let Some(v) = rx.recv().await { show(v) }"
    ));
    // Handed to a library's callback, a function, a struct, a macro: it may outlive the
    // function, and so may the loop.
    for hand_over in [
        "let w = notify::recommended_watcher(move |e| { let _ = tx.blocking_send(e); });",
        "register(tx.clone());",
        "let f = move || tx.send(1); watch(f);",
        "let state = State { tx };",
        "tokio::select! { _ = tx.send(1) => {} }",
        "futures::join!(async { tx.send(1).await });",
    ] {
        assert!(
            shows(&format!(
                "let (tx, mut rx) = mpsc::channel(1); {hand_over} \
                 while let Some(v) = rx.recv().await {{ show(v) }}"
            )),
            "{hand_over}"
        );
    }
    // A receiver the function did not make (a parameter, a field) stays a consumer's.
    assert!(shows(
        "while let Some(v) = self.rx.recv().await { show(v) }"
    ));
}

#[test]
fn a_while_over_a_stream_that_ends_is_no_consumer() {
    let shows =
        |body: &str| summarized(&format!("async fn run() {{ {body} }}"), MANIFEST).long_running;
    assert!(
        !shows("let mut p = c.list().into_paginator().send(); while let Some(x) = p.next().await { go(x) }"),
        "an SDK paginator"
    );
    assert!(
        !shows("let d = stream::iter(xs); let mut b = d.buffer_unordered(4); while let Some(r) = b.next().await { r?; }"),
        "a stream over a collection, through an adapter"
    );
    assert!(
        !shows("let s = stream! { let mut p = c.list().into_paginator().send(); while let Some(x) = { wait().await; p.next().await } { yield x; } }; pin_mut!(s); while let Some(x) = s.next().await { go(x) }"),
        "a stream! that pages"
    );
    assert!(
        shows("let mut e = ReceiverStream::new(rx); while let Some(x) = e.next().await { go(x) }"),
        "a channel's stream"
    );
    assert!(
        shows("let mut e = subscribe().await; while let Some(x) = e.next().await { go(x) }"),
        "a subscription"
    );
    assert!(
        shows("while let Some(x) = stream::iter(xs).next().await { go(x) }"),
        "no variable bound before: not followed"
    );
}

#[test]
fn a_dispatch_into_another_package_and_the_modules_a_file_names() {
    let f = summarized(
        "mod push; mod serve;
        fn main() {
            match cmd() {
                Cmd::Push => push::run(),
                Cmd::Serve => serve::run(),
                Cmd::Ask(a) => pager::ask(a),
            }
        }",
        MANIFEST,
    );
    assert_eq!(f.dispatched_crates, ["pager"], "named only by an arm");
    let f = summarized(
        "mod push; mod serve; use pager::client::Client;
        fn main() { match cmd() { A => push::run(), B => serve::run(), C => pager::ask() } }",
        MANIFEST,
    );
    assert!(f.dispatched_crates.is_empty(), "named outside the arms too");
    assert_eq!(
        f.local_modules,
        [
            ("pager".to_string(), "ask".to_string()),
            ("pager".to_string(), "client::Client".to_string())
        ]
    );
}

#[test]
fn arms_running_methods_of_self_are_subcommands_and_loops_name_their_function() {
    let f = summarized(
        "impl Cli {
            async fn run(&mut self, c: Command) -> Result<()> {
                match c {
                    Command::Deploy(a) => self.deploy(a).await.map(|_| ()),
                    Command::Run(a) => { self.load()?; self.local_run(a).await }
                    Command::Other => other(),
                }
            }
            async fn local_run(&self) { loop { tick().await; } }
        }",
        MANIFEST,
    );
    // `Command` is no parser enum of this file: the package must confirm it.
    assert!(f.command_methods.is_empty());
    assert_eq!(
        f.command_methods_on,
        [
            ("Cli::deploy".to_string(), "Command".to_string()),
            ("Cli::local_run".to_string(), "Command".to_string())
        ]
    );
    assert_eq!(f.long_running_fns, ["Cli::local_run"]);
    let f = summarized(
        "fn pick(c: C) { match c { A => x.a(), B => x.b() } }",
        MANIFEST,
    );
    assert!(
        f.command_methods.is_empty(),
        "methods of another value, outside an impl"
    );
}

#[test]
fn the_function_that_starts_an_imported_server_is_the_long_running_one() {
    let manifest = "[package]\nname = \"app\"\n[dependencies]\ntonic = \"0.12\"\n";
    let f = summarized(
        "use tonic::{transport::Server, Request, Response, Status};
        pub async fn start(port: u16) -> Result<(), tonic::transport::Error> {
            Server::builder().add_service(svc()).serve(([0, 0, 0, 0], port).into()).await
        }
        async fn create_account(r: Request<Req>) -> Result<Response<Resp>, Status> {
            Ok(Response::new(Resp {}))
        }",
        manifest,
    );
    assert!(f.long_running, "the file imports a server");
    assert_eq!(f.long_running_fns, ["start"], "only `start` serves");
    let f = summarized(
        "struct Server; impl Server { fn builder() -> Self { Server } }
        fn make() -> Server { Server::builder() }",
        manifest,
    );
    assert!(f.long_running_fns.is_empty(), "a type of the file's own");
}

/// A blocking server takes connections for as long as it runs: a `loop` that
/// accepts them, or a `for` over a listener's `incoming()`, is a long-running
/// process's loop, as an awaiting one is; one `accept` outside a loop (a sign-in's
/// redirect) is not.
#[test]
fn a_blocking_accept_loop_is_a_server_loop() {
    for src in [
        "fn main() { loop { let (s, _) = listener.accept().unwrap(); std::thread::spawn(move || serve(s)); } }",
        "fn main() { for s in listener.incoming() { std::thread::spawn(move || serve(s)); } }",
    ] {
        let f = summarized(src, MANIFEST);
        assert!(f.awaiting_loop && f.long_running, "{src}");
    }
    let f = summarized(
        "fn main() { let (s, _) = listener.accept().unwrap(); serve(s); }",
        MANIFEST,
    );
    assert!(!f.awaiting_loop && !f.long_running);
}
