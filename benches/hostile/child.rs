//! Measuring one run of `resilint check`: a child process capped in memory and
//! time, started from a small launcher process so that its peak RSS is its own.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Address space a child may take: an input that still blows up ends as an
/// abort instead of taking the shared machine with it.
const CAP_BYTES: u64 = 4 << 30;
const TIMEOUT: Duration = Duration::from_secs(60);

/// What one child run measured.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Measure {
    pub seconds: f64,
    /// User + system CPU time: less disturbed than wall time on a busy machine.
    pub cpu_seconds: f64,
    pub max_rss_mb: f64,
    /// Exit code, or `128 + signal`.
    pub code: i32,
    pub killed: bool,
}

/// Runs `bin` with `args` and waits for it with `wait4`, which gives this child's
/// own resource usage (`getrusage(RUSAGE_CHILDREN)` would give the maximum over
/// every child so far).
#[allow(clippy::zombie_processes)] // reaped by `wait4`, not `Child::wait`
fn measure(bin: &str, args: &[String], out: &Path, cwd: &Path) -> Measure {
    let stdout = fs::File::create(out).expect("cannot create the output file");
    let mut cmd = Command::new(bin);
    cmd.current_dir(cwd)
        .arg("check")
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::null());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let cap = libc::rlimit {
                rlim_cur: CAP_BYTES,
                rlim_max: CAP_BYTES,
            };
            libc::setrlimit(libc::RLIMIT_AS, &cap);
            Ok(())
        });
    }
    let start = Instant::now();
    let child = cmd.spawn().expect("cannot start resilint");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut killed = false;
    loop {
        // SAFETY: plain system calls on our own child's pid.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        if !killed && start.elapsed() > TIMEOUT {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let seconds = start.elapsed().as_secs_f64();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Measure {
        seconds,
        cpu_seconds: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_mb: usage.ru_maxrss as f64 / 1024.0,
        code,
        killed,
    }
}

/// Runs the measurements asked on standard input, one JSON line each (`[output,
/// args...]`), and answers each with a JSON [`Measure`].
///
/// Linux hands a forked child its parent's peak RSS (`ru_maxrss` survives `fork`
/// and `exec`), and the bench itself holds inputs of up to 100 MB while writing
/// them. So `resilint` is started from this small process, started before any
/// input exists, never from the bench.
pub fn launcher(bin: &str) {
    use std::io::{BufRead, Write};
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let mut request: Vec<String> = serde_json::from_str(&line).expect("a JSON request");
        let out = request.remove(0);
        let cwd = request.remove(0);
        let m = measure(bin, &request, Path::new(&out), Path::new(&cwd));
        let reply = serde_json::to_string(&m).expect("a JSON reply");
        if writeln!(stdout, "{reply}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            break;
        }
    }
}

/// The bench's end of a [`launcher`] process.
pub struct Launcher {
    child: std::process::Child,
    replies: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl Launcher {
    pub fn start() -> Self {
        let mut child = Command::new(std::env::current_exe().expect("the bench's own path"))
            .arg("--launcher")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot start the launcher");
        let stdout = child.stdout.take().expect("a piped stdout");
        let replies = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        Launcher { child, replies }
    }

    pub fn measure(&mut self, args: &[String], out: &Path, cwd: &Path) -> Measure {
        use std::io::Write;
        let mut request = vec![
            out.to_string_lossy().into_owned(),
            cwd.to_string_lossy().into_owned(),
        ];
        request.extend(args.iter().cloned());
        let stdin = self.child.stdin.as_mut().expect("a piped stdin");
        writeln!(stdin, "{}", serde_json::to_string(&request).unwrap()).expect("launcher gone");
        stdin.flush().expect("launcher gone");
        let reply = self
            .replies
            .next()
            .expect("launcher gone")
            .expect("launcher gone");
        serde_json::from_str(&reply).expect("a JSON reply")
    }
}
