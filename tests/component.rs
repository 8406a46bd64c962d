//! `dbx-inventory component`: the embedded scanner, byte for byte, with its WIT package and the
//! allow-list; `scan --component` accepts what it wrote and gives the same rows.

use crate::util::{fixture, root, Run, Sim, Work};

#[test]
fn the_written_component_is_what_scan_runs_and_scan_accepts_it_back() {
    let work = Work::new();
    let done = Run::in_dir(&work, &["component", "-o", "scanner.wasm", "--wit", "wit-out"]).run();
    check!(done, done.code == 0);
    let wasm = std::fs::read(done.dir.join("scanner.wasm")).unwrap();
    check!(done, wasm.starts_with(b"\0asm"), "a Wasm binary");
    check!(done, done.stdout.contains(&format!("size:    {} bytes", wasm.len())));
    check!(done, done.stdout.contains("package: dbx:inventory@0.1.0"));
    for f in ["inventory.wit", "allow-list.json"] {
        let written = std::fs::read_to_string(done.dir.join("wit-out").join(f)).unwrap();
        let repo = std::fs::read_to_string(root().join("wit").join(f)).unwrap();
        check!(done, written == repo, "wit-out/{f} is the repository's wit/{f}");
    }
    // The printed digest is the file's.
    let out = std::process::Command::new("sha256sum")
        .arg(done.dir.join("scanner.wasm"))
        .output()
        .unwrap();
    let digest = String::from_utf8(out.stdout).unwrap();
    let digest = digest.split_whitespace().next().unwrap();
    check!(done, done.stdout.contains(&format!("sha256:  {digest}")));

    let sim = Sim::start(fixture("semantics"));
    let users = ["alice@example.com", "bob@example.com", "carol@example.com"];
    let mut plain = vec!["-o", "plain.csv"];
    plain.extend(users);
    let embedded = Run::against(&work, &sim, "scan", &plain).run();
    let mut with = vec!["-o", "given.csv", "--component", "scanner.wasm"];
    with.extend(users);
    let given = Run::against(&work, &sim, "scan", &with).run();
    check!(given, given.code == embedded.code);
    check!(
        given,
        given.file("given.csv") == embedded.file("plain.csv"),
        "same rows with the written component"
    );
}
