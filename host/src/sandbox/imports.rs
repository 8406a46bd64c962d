//! The WASI the scanner gets: exactly the interfaces the embedded scanner imports, linked one by
//! one, and nothing else. Rust's standard library makes a `wasm32-wasip2` component import the
//! CLI and I/O interfaces (environment, exit, stdio, terminals: its panic hook's output) even
//! though the scanner never calls them (it keeps no `HashMap`, so it needs no random seed). They
//! are linked to an empty `WasiCtx`: no environment, no arguments, empty stdin, discarded
//! stdout/stderr, no terminal. No filesystem, clock or socket interface is ever linked: a component that imports
//! one (or anything else not listed here) is refused before it runs, naming the import.

use wasmtime::component::{Component, HasData, Linker, ResourceTable};
use wasmtime::Engine;
use wasmtime_wasi::cli::{WasiCli, WasiCliView as _};
use wasmtime_wasi::p2::bindings::cli;
use wasmtime_wasi::WasiView;

use super::state::InstanceState;

/// The contract's own interfaces, linked by the generated bindings: the HTTP capability and the
/// objects sink.
pub const HTTP_INTERFACE: &str = "dbx:inventory/http";
/// See [`HTTP_INTERFACE`].
pub const OBJECTS_INTERFACE: &str = "dbx:inventory/objects";

type LinkFn = fn(&mut Linker<InstanceState>) -> wasmtime::Result<()>;

/// Every WASI interface a scanner may import (name without version), and how to link it.
/// `tests::the_embedded_scanner_imports_exactly_these` pins this list to the embedded component.
pub const PROVIDED: &[(&str, LinkFn)] = &[
    ("wasi:io/error", |l| {
        wasmtime_wasi_io::bindings::wasi::io::error::add_to_linker::<_, Io>(l, |t| t.ctx().table)
    }),
    ("wasi:io/poll", |l| {
        wasmtime_wasi_io::bindings::wasi::io::poll::add_to_linker::<_, Io>(l, |t| t.ctx().table)
    }),
    ("wasi:io/streams", |l| {
        wasmtime_wasi_io::bindings::wasi::io::streams::add_to_linker::<_, Io>(l, |t| t.ctx().table)
    }),
    ("wasi:cli/environment", |l| {
        cli::environment::add_to_linker::<_, WasiCli>(l, |t| t.cli())
    }),
    ("wasi:cli/exit", |l| {
        cli::exit::add_to_linker::<_, WasiCli>(l, |t| t.cli())
    }),
    ("wasi:cli/stdin", |l| {
        cli::stdin::add_to_linker::<_, WasiCli>(l, |t| t.cli())
    }),
    ("wasi:cli/stdout", |l| {
        cli::stdout::add_to_linker::<_, WasiCli>(l, |t| t.cli())
    }),
    ("wasi:cli/stderr", |l| {
        cli::stderr::add_to_linker::<_, WasiCli>(l, |t| t.cli())
    }),
    ("wasi:cli/terminal-input", |l| {
        cli::terminal_input::add_to_linker::<_, WasiCli>(l, |t| t.cli())
    }),
    ("wasi:cli/terminal-output", |l| {
        cli::terminal_output::add_to_linker::<_, WasiCli>(l, |t| t.cli())
    }),
    ("wasi:cli/terminal-stdin", |l| {
        cli::terminal_stdin::add_to_linker::<_, WasiCli>(l, |t| t.cli())
    }),
    ("wasi:cli/terminal-stdout", |l| {
        cli::terminal_stdout::add_to_linker::<_, WasiCli>(l, |t| t.cli())
    }),
    ("wasi:cli/terminal-stderr", |l| {
        cli::terminal_stderr::add_to_linker::<_, WasiCli>(l, |t| t.cli())
    }),
];

/// `wasi:io` host state is the resource table (what `wasmtime_wasi` uses internally).
struct Io;

impl HasData for Io {
    type Data<'a> = &'a mut ResourceTable;
}

/// The interfaces `component` imports, as `package/interface@version`.
pub fn imports_of(engine: &Engine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

fn unversioned(name: &str) -> &str {
    name.split_once('@').map_or(name, |(n, _)| n)
}

/// Links the WASI interfaces `component` imports; refuses (naming every one) the imports this
/// host does not provide, before anything is linked.
pub fn link_wasi(linker: &mut Linker<InstanceState>, engine: &Engine, component: &Component) -> anyhow::Result<()> {
    let mut links = Vec::new();
    let mut refused = Vec::new();
    for name in imports_of(engine, component) {
        let bare = unversioned(&name);
        if bare == HTTP_INTERFACE || bare == OBJECTS_INTERFACE {
            continue;
        }
        match PROVIDED.iter().find(|(n, _)| *n == bare) {
            Some((_, link)) => links.push((name, *link)),
            None => refused.push(name),
        }
    }
    if !refused.is_empty() {
        let why = if refused.iter().any(|n| {
            ["wasi:clocks/", "wasi:sockets/", "wasi:filesystem/"]
                .iter()
                .any(|p| n.starts_with(p))
        }) {
            "the scanner gets no clock, no network and no files"
        } else {
            "they are not part of the scanner's sandbox"
        };
        anyhow::bail!(
            "the component imports {}, which this host does not provide ({why}); a scanner may import only \
             {HTTP_INTERFACE}, {OBJECTS_INTERFACE} and {}",
            refused.join(", "),
            PROVIDED.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        );
    }
    for (name, link) in links {
        link(linker).map_err(|e| anyhow::anyhow!("linking {name}: {e:#}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        Engine::new(&config).unwrap()
    }

    #[test]
    fn the_embedded_scanner_imports_exactly_these() {
        let engine = engine();
        let component = Component::new(&engine, super::super::EMBEDDED_COMPONENT).unwrap();
        let mut imported: Vec<String> = imports_of(&engine, &component)
            .iter()
            .map(|n| unversioned(n).to_string())
            .filter(|n| n != HTTP_INTERFACE && n != OBJECTS_INTERFACE)
            .collect();
        imported.sort();
        let mut provided: Vec<&str> = PROVIDED.iter().map(|(n, _)| *n).collect();
        provided.sort();
        assert_eq!(
            imported, provided,
            "PROVIDED must be exactly what the embedded scanner imports"
        );
        assert!(!imported
            .iter()
            .any(|n| ["wasi:clocks/", "wasi:sockets/", "wasi:filesystem/"]
                .iter()
                .any(|p| n.starts_with(p))));
    }

    #[test]
    fn versions_are_ignored_when_matching() {
        assert_eq!(unversioned("wasi:io/streams@0.2.6"), "wasi:io/streams");
        assert_eq!(unversioned("dbx:inventory/http"), "dbx:inventory/http");
    }
}
