//! Ctrl-C and SIGTERM during a scan. The first asks the scan to stop: no new user is started,
//! the journal is synced and the CSV of what is recorded is written, then the run exits 130
//! saying how to resume. A second signal exits at once (130): every finished user is already
//! in the journal. SIGKILL cannot be caught; the journal's batched fsync covers it.

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Exit code of an interrupted run (128 + SIGINT, as shells report it).
pub const EXIT_CODE: u8 = 130;

/// Listens for Ctrl-C / SIGTERM while alive.
pub struct Stop {
    rx: watch::Receiver<Option<&'static str>>,
    task: JoinHandle<()>,
}

/// Starts listening. Signals that cannot be hooked are logged and ignored (the default
/// action then applies).
pub fn listen() -> Stop {
    let (tx, rx) = watch::channel(None);
    // Hooked here, not in the task: a signal right after `listen` returns is already ours.
    let mut signals = Signals::hook();
    let task = tokio::spawn(async move {
        let first = signals.next().await;
        let _ = tx.send(Some(first));
        let second = signals.next().await;
        eprintln!("\n{second} again: exiting now; every finished user is in the journal (run again with --resume)");
        std::process::exit(i32::from(EXIT_CODE));
    });
    Stop { rx, task }
}

impl Stop {
    /// Resolves when a stop was asked for, with the signal's name.
    pub async fn requested(&mut self) -> &'static str {
        match self.rx.wait_for(Option::is_some).await {
            Ok(v) => v.expect("checked"),
            // The listener is gone (cannot happen while `self` lives): never resolve.
            Err(_) => std::future::pending().await,
        }
    }
}

impl Drop for Stop {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The signals that stop a run, hooked.
#[cfg(unix)]
struct Signals(Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>);

#[cfg(unix)]
impl Signals {
    fn hook() -> Signals {
        use tokio::signal::unix::{signal, SignalKind};
        match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
            (Ok(i), Ok(t)) => Signals(Some((i, t))),
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!("cannot listen for Ctrl-C/SIGTERM ({e}); they will end the run without writing the CSV");
                Signals(None)
            }
        }
    }

    async fn next(&mut self) -> &'static str {
        let Some((int, term)) = self.0.as_mut() else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => "Ctrl-C",
            _ = term.recv() => "SIGTERM",
        }
    }
}

/// The signal that stops a run (Ctrl-C), hooked when first awaited.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn hook() -> Signals {
        Signals
    }

    async fn next(&mut self) -> &'static str {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            Err(e) => {
                tracing::warn!("cannot listen for Ctrl-C ({e})");
                std::future::pending().await
            }
        }
    }
}
