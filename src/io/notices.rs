//! Warnings of the readers about a file they read in full but not as plainly as it should
//! be (values in a second encoding): said once per file, with a count, never with a value.
//!
//! Like [`super::progress`], the readers find the collector of the calling thread: inside
//! [`collect`] the warnings are gathered and returned to the caller; without one they are
//! printed to stderr as `warning: …`.

use std::cell::RefCell;

thread_local! {
    static SINK: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Runs `f`, returning with its result the warnings the readers gave meanwhile.
pub fn collect<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let outer = SINK.with(|s| s.borrow_mut().replace(Vec::new()));
    let out = f();
    let got = SINK.with(|s| std::mem::replace(&mut *s.borrow_mut(), outer));
    (out, got.unwrap_or_default())
}

/// Gives a warning: to the thread's collector, else to stderr.
pub(crate) fn warn(message: String) {
    let kept = SINK.with(|s| match s.borrow_mut().as_mut() {
        Some(v) => {
            v.push(message.clone());
            true
        }
        None => false,
    });
    if !kept {
        eprintln!("warning: {message}");
    }
}
