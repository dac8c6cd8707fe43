//! A thread each calling thread keeps for its parses.
//!
//! The front-ends parse on a thread other than the caller's: syn needs a deep stack, and a
//! tree-sitter parse that runs away must be given up on without stopping the caller. A
//! new thread per file cost a quarter of a Rust run and a tenth of a Python one (a 256 MiB
//! stack mapped and unmapped each time, its pages faulted in again, the allocator's
//! thread state built and torn down). A [`ParseThread`] lives as long as its caller's
//! thread and runs that caller's parses one after the other.

use std::any::Any;
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::LocalKey;
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send>;

/// Jobs given up on ([`Ran::TimedOut`]) that are still running.
static ABANDONED: AtomicUsize = AtomicUsize::new(0);

/// How many jobs given up on are still running: their threads end when the jobs return
/// (a fuzzer waits for them rather than pile them up).
pub fn abandoned_jobs() -> usize {
    ABANDONED.load(Ordering::SeqCst)
}

/// A long-lived thread that runs jobs for one caller, one at a time.
#[derive(Debug)]
pub struct ParseThread {
    jobs: Sender<Job>,
}

/// What became of a job given to a [`ParseThread`].
#[derive(Debug)]
pub enum Ran<T> {
    Done(T),
    /// The job panicked; the thread is still usable.
    Panicked(Box<dyn Any + Send>),
    /// The job did not finish in the time given: it goes on by itself, and the thread is
    /// no longer usable (it ends when the job does).
    TimedOut,
    /// The thread is gone (it could not be started, or ended).
    Gone,
}

impl ParseThread {
    /// Starts a thread named `name` with a stack of `stack_size` bytes (only reserved:
    /// pages are touched as deep as a job recurses).
    pub fn spawn(name: &str, stack_size: usize) -> std::io::Result<ParseThread> {
        let (jobs, incoming): (Sender<Job>, Receiver<Job>) = mpsc::channel();
        std::thread::Builder::new()
            .name(name.to_string())
            .stack_size(stack_size)
            .spawn(move || {
                // Ends when the caller's side is dropped.
                while let Ok(job) = incoming.recv() {
                    job();
                }
            })?;
        Ok(ParseThread { jobs })
    }

    /// Runs `job` on the thread and waits for it, at most `wait` when one is given.
    pub fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
        wait: Option<Duration>,
    ) -> Ran<T> {
        // A rendezvous: a job that finishes after its caller stopped waiting finds no
        // receiver and counts itself out, however close the two come (with a buffer its
        // send could succeed into the slot of a caller that had just given up).
        let (sender, receiver) = mpsc::sync_channel(0);
        let wrapped: Job = Box::new(move || {
            let outcome = catch_unwind(AssertUnwindSafe(job));
            // The caller may have stopped waiting; the outcome is then dropped here.
            if sender.send(outcome).is_err() {
                ABANDONED.fetch_sub(1, Ordering::SeqCst);
            }
        });
        if self.jobs.send(wrapped).is_err() {
            return Ran::Gone;
        }
        let outcome = match wait {
            Some(wait) => match receiver.recv_timeout(wait) {
                Ok(outcome) => outcome,
                Err(RecvTimeoutError::Timeout) => {
                    // Counted before `receiver` goes, so before the job can fail to send.
                    ABANDONED.fetch_add(1, Ordering::SeqCst);
                    return Ran::TimedOut;
                }
                Err(RecvTimeoutError::Disconnected) => return Ran::Gone,
            },
            None => match receiver.recv() {
                Ok(outcome) => outcome,
                Err(_) => return Ran::Gone,
            },
        };
        match outcome {
            Ok(value) => Ran::Done(value),
            Err(payload) => Ran::Panicked(payload),
        }
    }
}

/// The thread-local slot a front-end keeps its [`ParseThread`] in.
pub type KeptThread = RefCell<Option<ParseThread>>;

/// Runs `job` on the [`ParseThread`] kept in `slot`, starting it (named `name`, with a
/// stack of `stack_size` bytes) on first use and again after one was given up on or is
/// gone. `None` when no thread can be started: the caller does the work itself.
pub fn run_kept<T: Send + 'static>(
    slot: &'static LocalKey<KeptThread>,
    (name, stack_size): (&str, usize),
    job: impl FnOnce() -> T + Send + 'static,
    wait: Option<Duration>,
) -> Option<Ran<T>> {
    slot.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = ParseThread::spawn(name, stack_size).ok();
        }
        let ran = slot.as_ref()?.run(job, wait);
        if !matches!(ran, Ran::Done(_) | Ran::Panicked(_)) {
            *slot = None;
        }
        Some(ran)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_one_after_the_other_on_one_thread() {
        let thread = ParseThread::spawn("test-parse", 1 << 20).unwrap();
        let id = |_: ()| std::thread::current().id();
        let first = match thread.run(move || id(()), None) {
            Ran::Done(id) => id,
            other => panic!("{other:?}"),
        };
        let second = match thread.run(move || id(()), None) {
            Ran::Done(id) => id,
            other => panic!("{other:?}"),
        };
        assert_eq!(first, second);
        assert_ne!(first, std::thread::current().id());
    }

    #[test]
    fn a_panic_is_reported_and_the_thread_goes_on() {
        let thread = ParseThread::spawn("test-parse", 1 << 20).unwrap();
        assert!(matches!(
            thread.run(|| -> u8 { panic!("broken input") }, None),
            Ran::Panicked(_)
        ));
        assert!(matches!(thread.run(|| 7, None), Ran::Done(7)));
    }

    #[test]
    fn a_job_past_its_wait_is_left_running() {
        let thread = ParseThread::spawn("test-parse", 1 << 20).unwrap();
        let (release, blocked) = mpsc::channel::<()>();
        let ran = thread.run(
            move || blocked.recv_timeout(Duration::from_secs(5)).is_ok(),
            Some(Duration::from_millis(20)),
        );
        assert!(matches!(ran, Ran::TimedOut));
        assert!(abandoned_jobs() >= 1);
        release.send(()).unwrap();
    }
}
