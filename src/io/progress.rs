//! How far a long read has come, for a progress bar: a [`Counter`] of bytes (or rows) done
//! out of a total, shared between the reader that advances it and whoever draws the bar.
//!
//! The readers find the counter of the calling thread ([`track`] installs one for the
//! length of a closure), so every table read (`io::table`, and through it the voter list,
//! the stations, the address and border lists) reports without a parameter threaded
//! through each reader. Without a counter installed the readers do nothing extra. The cost
//! with one: a relaxed atomic add per 4 MB block of a large CSV, per 1,024 rows of a small
//! one or a workbook.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What a [`Counter`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Rows,
}

/// Work done out of a total. Every method takes `&self`: readers advance it from any
/// thread while another thread reads it.
#[derive(Debug, Default)]
pub struct Counter {
    done: AtomicU64,
    total: AtomicU64,
    rows: AtomicBool,
    /// Bumped by every [`Counter::start`], so a reader of the counter sees a new task.
    generation: AtomicU64,
}

impl Counter {
    /// Starts a task of `total` units (0 when unknown), nothing done yet.
    pub fn start(&self, unit: Unit, total: u64) {
        self.done.store(0, Ordering::Relaxed);
        self.rows.store(unit == Unit::Rows, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// `n` more units done.
    #[inline]
    pub fn add(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    /// `n` units done in all.
    #[inline]
    pub fn set(&self, n: u64) {
        self.done.store(n, Ordering::Relaxed);
    }

    /// Units done so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// The task's total (0 when unknown).
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    pub fn unit(&self) -> Unit {
        if self.rows.load(Ordering::Relaxed) {
            Unit::Rows
        } else {
            Unit::Bytes
        }
    }

    /// How many tasks were started on this counter.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Counter>>> = const { RefCell::new(None) };
}

/// Runs `f` with `counter` as this thread's counter: the readers `f` calls on this thread
/// report into it. The previous counter (if any) is back when `f` returns or unwinds.
pub fn track<T>(counter: &Arc<Counter>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<Counter>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = prev);
        }
    }
    let prev = CURRENT.with(|c| c.borrow_mut().replace(Arc::clone(counter)));
    let _restore = Restore(prev);
    f()
}

/// This thread's counter, if [`track`] installed one.
pub(crate) fn current() -> Option<Arc<Counter>> {
    CURRENT.with(|c| c.borrow().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_installs_the_counter_for_the_closure_only() {
        let a = Arc::new(Counter::default());
        let b = Arc::new(Counter::default());
        assert!(current().is_none());
        track(&a, || {
            assert!(Arc::ptr_eq(&current().unwrap(), &a));
            track(&b, || assert!(Arc::ptr_eq(&current().unwrap(), &b)));
            assert!(Arc::ptr_eq(&current().unwrap(), &a));
            // Another thread has its own (none).
            std::thread::scope(|s| s.spawn(|| assert!(current().is_none())).join().unwrap());
        });
        assert!(current().is_none());
        let r = std::panic::catch_unwind(|| track(&a, || panic!("boom")));
        assert!(r.is_err());
        assert!(
            current().is_none(),
            "a panic inside restores the previous counter"
        );
    }

    #[test]
    fn start_resets_and_counts_tasks() {
        let c = Counter::default();
        c.start(Unit::Bytes, 100);
        c.add(30);
        c.add(20);
        assert_eq!((c.done(), c.total(), c.unit()), (50, 100, Unit::Bytes));
        c.start(Unit::Rows, 7);
        assert_eq!((c.done(), c.total(), c.unit()), (0, 7, Unit::Rows));
        assert_eq!(c.generation(), 2);
    }
}
