//! The sandbox: a misbehaving component (tests/evil-guest) is refused or stopped, and the
//! host goes on with the other users.

use crate::util::{evil_component, evil_component_with, fixture, Run, Sim};

#[test]
fn denied_paths_are_refused_without_reaching_the_server() {
    let sim = Sim::start(fixture("semantics"));
    let wasm = evil_component();
    let done = Run::scan(
        &sim,
        &[
            "deny@x.com",
            "alice@example.com",
            "-o",
            "out.csv",
            "--component",
            wasm.to_str().unwrap(),
        ],
    )
    .run();
    let r = done.rows("out.csv");
    check!(
        done,
        r["deny@x.com"]["error"] == "denied 8 of 8, answered 0",
        "{:?}",
        r["deny@x.com"]
    );
    check!(done, r["alice@example.com"]["status"] == "success");
    // The server saw only alice's one listing (this component's whoami asks nothing).
    let total = sim.stats().total_requests;
    check!(done, total == 1, "server saw {total} requests");
}

#[test]
fn a_flood_batch_a_spinning_guest_and_a_memory_hog_are_stopped_and_the_run_goes_on() {
    let sim = Sim::start(fixture("semantics"));
    let wasm = evil_component();
    let done = Run::scan(
        &sim,
        &[
            "flood@x.com",
            "spin@x.com",
            "hog@x.com",
            "alice@example.com",
            "-o",
            "out.csv",
            "--component",
            wasm.to_str().unwrap(),
            "--guest-cpu-secs",
            "1",
            "--guest-memory-mib",
            "64",
        ],
    )
    .run();
    check!(done, done.code == 3);
    let r = done.rows("out.csv");
    check!(
        done,
        r["flood@x.com"]["status"] == "error" && r["flood@x.com"]["error"].contains("batch of 100000")
    );
    check!(
        done,
        r["spin@x.com"]["status"] == "error" && r["spin@x.com"]["error"].contains("runaway guest stopped")
    );
    check!(
        done,
        r["hog@x.com"]["status"] == "error" && r["hog@x.com"]["error"].contains("memory cap"),
        "{:?}",
        r["hog@x.com"]
    );
    check!(done, r["alice@example.com"]["status"] == "success");
    let lists = sim.requests("workspace/list");
    check!(done, lists == 1, "the flood never reached the server ({lists} lists)");
}

#[test]
fn the_guest_sees_no_environment_or_arguments() {
    let sim = Sim::start(fixture("semantics"));
    let wasm = evil_component();
    let mut run = Run::scan(
        &sim,
        &["peek@x.com", "-o", "out.csv", "--component", wasm.to_str().unwrap()],
    );
    run.env("SECRET_SHOULD_NOT_LEAK", "1");
    let done = run.run();
    let r = done.rows("out.csv");
    check!(
        done,
        r["peek@x.com"]["error"] == "env=0 args=0",
        "{:?}",
        r["peek@x.com"]
    );
}

#[test]
fn a_component_that_is_not_a_scanner_is_rejected_clearly() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = Run::scan(&sim, &["alice@example.com", "-o", "out.csv"]);
    let f = run.write("bogus.wasm", "not wasm at all");
    run.arg("--component").arg(f.to_str().unwrap());
    let done = run.run();
    check!(done, done.code == 1 && done.stderr.contains("bogus.wasm"));
}

/// A component that imports a clock, the filesystem (or anything the scanner does not import) is
/// refused before it runs: exit 1, the import named, nothing requested, no row claimed.
#[test]
fn a_component_importing_a_clock_or_the_filesystem_is_refused_naming_the_import() {
    let sim = Sim::start(fixture("semantics"));
    for (feature, import) in [("clock", "wasi:clocks/"), ("fs", "wasi:filesystem/")] {
        let wasm = evil_component_with(feature);
        let done = Run::scan(
            &sim,
            &[
                "alice@example.com",
                "-o",
                "out.csv",
                "--component",
                wasm.to_str().unwrap(),
            ],
        )
        .run();
        check!(done, done.code == 1, "the {feature} variant must be refused");
        check!(
            done,
            done.stderr.contains(import) && done.stderr.contains("which this host does not provide"),
            "the refusal names the {import} import"
        );
        check!(
            done,
            done.stderr.contains(wasm.to_str().unwrap()),
            "the message names the component"
        );
        check!(
            done,
            !done.dir.join("out.csv").exists(),
            "no CSV for a refused component"
        );
    }
    let total = sim.stats().total_requests;
    assert_eq!(total, 0, "a refused component sends nothing ({total} requests)");
}
