//! Everything a run shows or writes: the CSV, JSON Lines and HTML files (each atomic), the
//! console lines in the seed's format, and live progress; and the outputs of `diff`.

mod atomic;
pub mod console;
pub mod csv;
pub mod diff;
pub mod html;
pub mod jsonl;
pub mod progress;

pub use atomic::{partial_path, AtomicFile};
