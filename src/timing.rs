//! `RESILINT_TIMINGS=1`: the wall time and the process CPU time (all threads, user +
//! system) of each stage of a run on stderr, to see what dominates (the README's
//! cache figures name it). On a machine shared with other builds the wall time grows
//! with the load; the CPU time says what the stage costs. Off, it costs one variable
//! lookup. Each line also gives the resident memory at the mark and its peak so far
//! (Linux only): fresh pages are much of what a warm run costs.

use std::time::{Duration, Instant};

/// Stage marks: each [`Marks::at`] prints the time since the previous mark.
pub struct Marks {
    last: Option<std::sync::Mutex<(Instant, Duration)>>,
}

/// CPU time used by this process so far (every thread); zero where it cannot be read.
fn process_cpu() -> Duration {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `clock_gettime` writes the `timespec` it is given and nothing else.
        if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0 {
            return Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    Duration::ZERO
}

/// The resident set now and its peak so far (`VmRSS`, `VmHWM` of `/proc/self/status`),
/// where the system tells them.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mb = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    match (mb("VmRSS:"), mb("VmHWM:")) {
        (Some(rss), Some(peak)) => format!(" {rss:6.0} MB rss {peak:6.0} MB peak"),
        _ => String::new(),
    }
}

impl Marks {
    /// Marks that print only when `RESILINT_TIMINGS` is set.
    pub fn from_env() -> Marks {
        Marks {
            last: std::env::var_os("RESILINT_TIMINGS")
                .map(|_| std::sync::Mutex::new((Instant::now(), process_cpu()))),
        }
    }

    /// Prints the wall and CPU time the stage `name` took, ending now.
    pub fn at(&self, name: &str) {
        if let Some(last) = &self.last {
            let (now, cpu) = (Instant::now(), process_cpu());
            let mut last = last
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let ms = now.duration_since(last.0).as_secs_f64() * 1e3;
            let cpu_ms = cpu.saturating_sub(last.1).as_secs_f64() * 1e3;
            let mut stderr = std::io::stderr().lock();
            let _ = std::io::Write::write_fmt(
                &mut stderr,
                format_args!(
                    "timing: {ms:8.1} ms wall {cpu_ms:8.1} ms CPU{}  {name}\n",
                    memory()
                ),
            );
            *last = (now, cpu);
        }
    }
}
