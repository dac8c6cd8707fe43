//! A progress bar for long runs (whole-repository audits): files done out of the total
//! and findings so far, on stderr.
//!
//! It appears only when stderr is a terminal, `--quiet` is not given, and the run has
//! lasted a second: short runs (pre-commit, a single package) stay quiet, and piped or
//! CI output never contains it. Reports go to stdout or `--output`, so the bar never
//! mixes with them; it is erased when the run ends.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run lasts before its progress is shown.
const SHOW_AFTER: Duration = Duration::from_secs(1);

pub struct Progress {
    /// `None` when progress must never be shown.
    bar: Option<ProgressBar>,
    started: Instant,
    shown: AtomicBool,
    findings: AtomicUsize,
}

impl Progress {
    /// `visible`: stderr is a terminal and the user did not ask for quiet.
    pub fn new(total_files: usize, visible: bool) -> Progress {
        let bar = visible.then(|| {
            // Hidden until the run proves long; then drawn to stderr.
            ProgressBar::with_draw_target(Some(total_files as u64), ProgressDrawTarget::hidden())
                .with_style(
                    ProgressStyle::with_template(
                        "{spinner} checking {pos}/{len} files [{wide_bar}] {msg} ({elapsed})",
                    )
                    .expect("the template is valid")
                    .progress_chars("=> "),
                )
        });
        Progress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
            findings: AtomicUsize::new(0),
        }
    }

    /// One more file checked, with its findings. Called from worker threads.
    pub fn file_done(&self, findings: usize) {
        let Some(bar) = &self.bar else {
            return;
        };
        let total = self.findings.fetch_add(findings, Ordering::Relaxed) + findings;
        if !self.shown.load(Ordering::Relaxed)
            && self.started.elapsed() >= SHOW_AFTER
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        if self.shown.load(Ordering::Relaxed) {
            bar.set_message(match total {
                1 => "1 finding".to_string(),
                n => format!("{n} findings"),
            });
        }
        bar.inc(1);
    }

    /// Erases the bar before the report and notices are written.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_progress_does_nothing() {
        let progress = Progress::new(3, false);
        progress.file_done(2);
        progress.finish();
        assert!(progress.bar.is_none());
    }

    #[test]
    fn a_short_run_stays_hidden() {
        let progress = Progress::new(3, true);
        progress.file_done(1);
        assert!(!progress.shown.load(Ordering::Relaxed));
        assert!(progress.bar.as_ref().unwrap().is_hidden());
        progress.finish();
    }
}
