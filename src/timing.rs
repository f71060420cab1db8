//! `RESILINT_TIMINGS=1`: the wall time of each stage of a run on stderr, to see what
//! dominates (the README's cache figures name it). Off, it costs one variable lookup.

use std::time::Instant;

/// Stage marks: each [`Marks::at`] prints the time since the previous mark.
pub struct Marks {
    last: Option<std::sync::Mutex<Instant>>,
}

impl Marks {
    /// Marks that print only when `RESILINT_TIMINGS` is set.
    pub fn from_env() -> Marks {
        Marks {
            last: std::env::var_os("RESILINT_TIMINGS")
                .map(|_| std::sync::Mutex::new(Instant::now())),
        }
    }

    /// Prints the time the stage `name` took, ending now.
    pub fn at(&self, name: &str) {
        if let Some(last) = &self.last {
            let now = Instant::now();
            let mut last = last
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let ms = now.duration_since(*last).as_secs_f64() * 1e3;
            let mut stderr = std::io::stderr().lock();
            let _ = std::io::Write::write_fmt(
                &mut stderr,
                format_args!("timing: {ms:8.1} ms  {name}\n"),
            );
            *last = now;
        }
    }
}
