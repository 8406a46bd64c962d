//! Live progress of a scan: on a terminal an indicatif bar (users done/total, requests/s, 429s
//! seen, ETA) with the per-user lines printed above it; elsewhere (a log, a pipe, `--debug`)
//! a plain `progress: …` line on stderr every [`PLAIN_EVERY`] and one when the scan ends;
//! with `--quiet` neither (error lines still print).
//!
//! The per-user lines go to stdout in the seed's format ([`super::console::user_lines`]); the
//! bar lives on stderr and is cleared while a line prints, so the two never garble each other.

use std::collections::VecDeque;
use std::io::{IsTerminal as _, Write as _};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::format::duration_string;
use crate::policy::Policy;

/// How often a plain progress line is printed when stderr is not a terminal.
pub const PLAIN_EVERY: Duration = Duration::from_secs(5);
/// The window over which requests/s is measured.
const RATE_WINDOW: Duration = Duration::from_secs(5);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// An indicatif bar on stderr.
    Bar,
    /// `progress: …` lines on stderr.
    Plain,
    /// Nothing but error lines.
    Quiet,
}

impl Display {
    /// Bar on a terminal; plain lines elsewhere and under `--debug` (log lines would tear a
    /// bar); nothing with `--quiet`.
    pub fn choose(quiet: bool, debug: bool) -> Display {
        if quiet {
            Display::Quiet
        } else if !debug && std::io::stderr().is_terminal() {
            Display::Bar
        } else {
            Display::Plain
        }
    }
}

/// Figures shown in a progress line.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Users recorded in this run.
    pub done: u64,
    /// Users this run has to scan (`None` while users are still being listed).
    pub total: Option<u64>,
    /// Requests per second, recently.
    pub rate: f64,
    /// 429 answers seen so far.
    pub throttled: u64,
    /// Estimated time left.
    pub eta: Option<Duration>,
}

impl Figures {
    /// `progress: 120/1000 users, 35.2 req/s, 3 429s, ETA 4m 10s`.
    pub fn plain_line(&self) -> String {
        let total = self.total.map_or("?".to_string(), |t| t.to_string());
        let eta = self.eta.map_or("?".to_string(), duration_string);
        format!(
            "progress: {}/{total} users, {:.1} req/s, {} 429s, ETA {eta}",
            self.done, self.rate, self.throttled
        )
    }

    /// The bar's message: `35.2 req/s · 3 429s`.
    pub fn bar_message(&self) -> String {
        format!("{:.1} req/s · {} 429s", self.rate, self.throttled)
    }
}

/// Estimated time left from the pace so far.
pub fn eta(done: u64, total: Option<u64>, elapsed: Duration) -> Option<Duration> {
    let total = total?;
    if done == 0 {
        return None;
    }
    let left = total.saturating_sub(done);
    Some(elapsed.mul_f64(left as f64 / done as f64))
}

/// The progress display of one scan.
pub struct Progress {
    display: Display,
    bar: Option<ProgressBar>,
    policy: Option<Arc<Policy>>,
    started: Instant,
    done: u64,
    total: Option<u64>,
    window: VecDeque<(Instant, u64)>,
    last_plain: Instant,
    /// `[ws-a] ` in an account run: its lines say whose they are.
    prefix: String,
}

const BAR_TEMPLATE: &str =
    "{spinner:.green} {elapsed_precise} [{wide_bar:.cyan/blue}] {pos}/{len} users · {msg} · ETA {eta}";
const LISTING_TEMPLATE: &str = "{spinner:.green} {elapsed_precise} {pos} users · {msg} · listing users…";

impl Progress {
    /// Starts showing progress; `policy` supplies the request counters.
    pub fn new(display: Display, total: Option<u64>, policy: Option<Arc<Policy>>) -> Progress {
        let bar = (display == Display::Bar).then(|| {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
            bar.set_style(style(total.is_some()));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        let now = Instant::now();
        Progress {
            display,
            bar,
            policy,
            started: now,
            done: 0,
            total,
            window: VecDeque::new(),
            last_plain: now,
            prefix: String::new(),
        }
    }

    /// Every line this display prints starts with `[label] ` (an account run's workspace).
    pub fn labelled(mut self, label: Option<&str>) -> Progress {
        self.prefix = super::console::label_prefix(label);
        self
    }

    /// The number of users to scan became known (listing finished).
    pub fn set_total(&mut self, total: u64) {
        if self.total == Some(total) {
            return;
        }
        self.total = Some(total);
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_style(style(true));
        }
    }

    /// Users to scan, if known.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Users recorded so far in this run.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// A user was recorded: prints its lines (`text`) above the bar, unless quiet (errors are
    /// printed even then).
    pub fn user_recorded(&mut self, text: &str, is_error: bool) {
        self.done += 1;
        if self.display != Display::Quiet || is_error {
            if self.prefix.is_empty() {
                self.stdout(text);
            } else {
                let lines: String = text.lines().map(|l| format!("{}{l}\n", self.prefix)).collect();
                self.stdout(&lines);
            }
        }
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
        }
    }

    /// Prints to stdout without tearing the bar.
    pub fn stdout(&self, text: &str) {
        let print = || {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        };
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    /// Prints a note to stderr without tearing the bar.
    pub fn note(&self, text: &str) {
        let print = || eprintln!("{}{text}", self.prefix);
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    fn sent(&self) -> (u64, u64) {
        self.policy.as_ref().map_or((0, 0), |p| {
            (
                p.counters.sent.load(Ordering::Relaxed),
                p.counters.throttled.load(Ordering::Relaxed),
            )
        })
    }

    /// Current figures (samples the request counters).
    pub fn figures(&mut self) -> Figures {
        let now = Instant::now();
        let (sent, throttled) = self.sent();
        self.window.push_back((now, sent));
        while self.window.len() > 2 && now.duration_since(self.window[0].0) > RATE_WINDOW {
            self.window.pop_front();
        }
        let (t0, s0) = self.window[0];
        let span = now.duration_since(t0).as_secs_f64();
        let rate = if span >= 0.5 {
            (sent - s0) as f64 / span
        } else {
            sent as f64 / self.started.elapsed().as_secs_f64().max(0.001)
        };
        Figures {
            done: self.done,
            total: self.total,
            rate,
            throttled,
            eta: eta(self.done, self.total, self.started.elapsed()),
        }
    }

    /// Called a few times a second: refreshes the bar, or prints a plain line when due.
    pub fn tick(&mut self) {
        match self.display {
            Display::Quiet => {}
            Display::Bar => {
                let f = self.figures();
                if let Some(bar) = &self.bar {
                    bar.set_message(f.bar_message());
                }
            }
            Display::Plain => {
                if self.last_plain.elapsed() >= PLAIN_EVERY {
                    self.last_plain = Instant::now();
                    let line = self.figures().plain_line();
                    eprintln!("{}{line}", self.prefix);
                }
            }
        }
    }

    /// The scan ended: clears the bar, or prints a last plain line.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if self.display == Display::Plain {
            let (sent, throttled) = self.sent();
            let secs = self.started.elapsed().as_secs_f64();
            eprintln!(
                "{}progress: {} users recorded in {}, {} requests ({:.1} req/s), {throttled} 429s",
                self.prefix,
                self.done,
                duration_string(self.started.elapsed()),
                sent,
                sent as f64 / secs.max(0.001)
            );
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn style(known_total: bool) -> ProgressStyle {
    ProgressStyle::with_template(if known_total { BAR_TEMPLATE } else { LISTING_TEMPLATE })
        .expect("valid template")
        .progress_chars("=> ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_line_reads_like_a_log_line() {
        let f = Figures {
            done: 120,
            total: Some(1000),
            rate: 35.24,
            throttled: 3,
            eta: Some(Duration::from_secs(250)),
        };
        assert_eq!(
            f.plain_line(),
            "progress: 120/1000 users, 35.2 req/s, 3 429s, ETA 4m 10s"
        );
        assert_eq!(f.bar_message(), "35.2 req/s · 3 429s");
        let f = Figures {
            total: None,
            eta: None,
            ..f
        };
        assert_eq!(f.plain_line(), "progress: 120/? users, 35.2 req/s, 3 429s, ETA ?");
    }

    #[test]
    fn eta_follows_the_pace_so_far() {
        assert_eq!(eta(0, Some(10), Duration::from_secs(5)), None);
        assert_eq!(eta(5, None, Duration::from_secs(5)), None);
        assert_eq!(
            eta(25, Some(100), Duration::from_secs(10)),
            Some(Duration::from_secs(30))
        );
        assert_eq!(eta(100, Some(100), Duration::from_secs(10)), Some(Duration::ZERO));
    }

    #[test]
    fn templates_are_valid() {
        let _ = style(true);
        let _ = style(false);
    }

    #[test]
    fn quiet_progress_counts_without_a_bar() {
        let mut p = Progress::new(Display::Quiet, Some(2), None);
        p.user_recorded("", false);
        p.tick();
        let f = p.figures();
        assert_eq!((f.done, f.total, f.throttled), (1, Some(2), 0));
        p.finish();
    }
}
