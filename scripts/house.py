#!/usr/bin/env python3
"""The house rules of issue 21, checked over the whole repository (Python 3.11, stdlib only).

* every .rs/.py file has at most 550 lines of code: non-blank lines that are not `//` comments,
  counted before the file's first `#[cfg(test)]` (Python: non-blank lines not starting with `#`);
* no import circle between the files of one Rust crate (each lib, bin and test target) nor between
  the Python files of one folder (launcher/, hosts/python/, ...).

A Rust file A uses file B when A names an item that B defines: through a `use` tree (`crate::`,
`super::`, `self::`, or a name in scope), a path in code (`crate::a::f(..)`, `child::f(..)`), a
name a glob import brings in, or a `macro_rules!` macro. Paths are followed through `use` and
`pub use` to the file that defines the item; a path ending at a module means that module's file.
Not uses: an item under `#[cfg(test)]` (so test-only modules are left out: like "code after the
first #[cfg(test)]", but a lib.rs whose `#[cfg(test)] mod tests;` comes before its last items keeps
those), `mod x;`, and `pub use` lines in a file that has submodules (lib.rs, main.rs, mod.rs, ...).

Usage: python3 scripts/house.py [--report] [--why] [ROOT]
Exits 1 and names each violation; `--report` also prints the ten largest files, `--why` the
use that makes each step of a circle.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from collections import namedtuple
from dataclasses import dataclass, field
from pathlib import Path

LIMIT = 550
SKIP_DIRS = {"target", "node_modules", ".git", "__pycache__", ".venv", "venv", ".tox", "site-packages"}


# ------------------------------------------------------------------------------------ the walk


def source_files(root: Path, suffixes: tuple[str, ...] = (".rs", ".py")) -> list[Path]:
    """Every .rs/.py file under root, outside build output, dependencies and virtualenvs."""
    out: list[Path] = []

    def walk(d: Path) -> None:
        for p in sorted(d.iterdir()):
            if p.is_dir() and not (p.name in SKIP_DIRS or p.is_symlink() or (p / "pyvenv.cfg").exists()):
                walk(p)
            elif p.suffix in suffixes and p.is_file():
                out.append(p)

    walk(root)
    return out


def lines_of_code(path: Path) -> int:
    n, comment = 0, "//" if path.suffix == ".rs" else "#"
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        s = line.strip()
        if comment == "//" and s.startswith("#[cfg(test)]"):
            break
        n += bool(s) and not s.startswith(comment)
    return n


# ------------------------------------------------------------------------------ the Rust lexer

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<line>//[^\n]*)
  | (?P<block>/\*(?:.|\n)*?\*/)
  | (?P<raw>b?r(?P<h>\#*)"(?:.|\n)*?"(?P=h))
  | (?P<str>b?"(?:\\.|\\\n|[^"\\])*")
  | (?P<char>b?'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^\\'\n])')
  | (?P<life>'[A-Za-z_]\w*)
  | (?P<ident>(?:r\#)?[A-Za-z_]\w*)
  | (?P<num>\d[\w]*(?:\.\d[\w]*)?)
  | (?P<path>::)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


KINDS = {"ident": "ident", "str": "str", "raw": "str", "path": "punct", "punct": "punct", "char": "other"}
KINDS |= {"life": "other", "num": "other"}


Tok = namedtuple("Tok", "kind text line")  # kind: ident, str, punct or other


def tokens(text: str) -> list[Tok]:
    """Rust tokens without comments and whitespace; a string is one token."""
    out, line = [], 1
    for m in _TOKEN.finditer(text):
        kind, s = m.lastgroup, m.group()
        if kind in KINDS:
            out.append(Tok(KINDS[kind], s.removeprefix("r#") if kind == "ident" else s, line))
        line += s.count("\n")
    return out


# ---------------------------------------------------------------------------- the Rust crates


@dataclass
class Use:
    segs: list[str]  # as written: may start with crate/self/super or a name in scope
    alias: str | None  # the name it binds (None for a glob or `as _`)
    glob: bool
    is_pub: bool
    line: int


@dataclass
class Module:
    name: str
    file: Path
    parent: Module | None
    dir: Path  # where its `mod x;` files live
    children: dict[str, Module] = field(default_factory=dict)
    defs: dict[str, Path] = field(default_factory=dict)  # item name -> defining file
    uses: list[Use] = field(default_factory=list)
    # paths in code: (segments, line); macro calls: (name, line)
    paths: list[tuple[list[str], int]] = field(default_factory=list)
    macros: list[tuple[str, int]] = field(default_factory=list)
    idents: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.top: Module = self.parent.top if self.parent else self


ITEM_KW = {"fn", "struct", "enum", "trait", "type", "const", "static", "union"}
QUALIFIERS = {"pub", "async", "unsafe", "extern", "default", "const", "safe"}


class Crate:
    """One crate target: its module tree, parsed from the root file by following `mod x;`."""

    def __init__(self, label: str, root_file: Path):
        self.label = label
        self.files: list[Path] = []
        self.macros: dict[str, Path] = {}
        self.modules: list[Module] = []
        self.errors: list[str] = []
        self.root = self._load(root_file.name.removesuffix(".rs"), root_file, None, root_file.parent)

    def _load(self, name: str, file: Path, parent: Module | None, d: Path) -> Module:
        m = Module(name, file, parent, d)
        self.files.append(file)
        toks = tokens(file.read_text(encoding="utf-8", errors="replace"))
        self._parse(m, toks, file)
        return m

    def _parse(self, top: Module, toks: list[Tok], file: Path) -> None:
        # A stack of open braces: a Module for an inline `mod x {`, None for any other block.
        stack: list[Module | None] = []
        mods = [top]
        self.modules.append(top)
        path_attr: str | None = None
        i, n = 0, len(toks)

        def cur() -> Module:
            return mods[-1]

        def at_module_level() -> bool:
            return not stack or stack[-1] is not None

        while i < n:
            t = toks[i]
            x = t.text
            if x == "#" and i + 1 < n and toks[i + 1].text in ("[", "!"):
                j = i + 1 if toks[i + 1].text == "[" else i + 2
                end = _matching(toks, j)
                attr = [a.text for a in toks[j + 1 : end]]
                if len(attr) == 3 and attr[0] == "path" and attr[1] == "=":
                    path_attr = ast.literal_eval(attr[2])
                i = end + 1
                if attr == ["cfg", "(", "test", ")"]:
                    i = _skip_item(toks, i)  # test code is not a use
                    path_attr = None
                continue
            if x == "{":
                stack.append(None)
            elif x == "}":
                if stack and stack.pop() is not None:
                    mods.pop()
            elif x == "pub" and i + 1 < n and toks[i + 1].text == "(":
                i = _matching(toks, i + 1)  # pub(crate), pub(in crate::x): not uses
                i += 1
                continue
            elif x == "use" and t.kind == "ident":
                end = i + 1
                while end < n and toks[end].text != ";":
                    end += 1
                is_pub = i > 0 and (toks[i - 1].text == "pub" or toks[i - 1].text == ")")
                for segs, alias, glob in parse_use_tree(toks[i + 1 : end]):
                    cur().uses.append(Use(segs, alias, glob, is_pub, t.line))
                i = end + 1
                continue
            elif x == "mod" and t.kind == "ident" and at_module_level() and i + 2 < n:
                name, after = toks[i + 1].text, toks[i + 2].text
                if after == ";":
                    self._file_mod(cur(), name, path_attr, file)
                    path_attr = None
                    i += 3
                    continue
                if after == "{":
                    inline = Module(name, file, cur(), cur().dir / name)
                    cur().children[name] = inline
                    self.modules.append(inline)
                    mods.append(inline)
                    stack.append(inline)
                    i += 3
                    continue
            elif x == "macro_rules" and i + 2 < n and toks[i + 1].text == "!":
                self.macros.setdefault(toks[i + 2].text, file)
                cur().defs[toks[i + 2].text] = file
                i += 3
                continue
            elif x in ITEM_KW and t.kind == "ident" and at_module_level() and i + 1 < n:
                nxt = toks[i + 2] if toks[i + 1].text == "mut" and i + 2 < n else toks[i + 1]
                if nxt.kind == "ident" and nxt.text not in QUALIFIERS | {"fn"}:
                    cur().defs.setdefault(nxt.text, file)  # `const fn f`: the name comes after `fn`
            elif t.kind == "ident":
                cur().idents.add(x)
                starts_path = not (i > 0 and toks[i - 1].text in ("::", "$"))
                if starts_path and i + 2 < n and toks[i + 1].text == "::" and toks[i + 2].kind == "ident":
                    segs, k = [x], i + 1
                    while k + 1 < n and toks[k].text == "::" and toks[k + 1].kind == "ident":
                        segs.append(toks[k + 1].text)
                        k += 2
                    if k < n and toks[k].text == "!":  # a macro path: its macro_rules! file
                        cur().macros.append((segs[-1], t.line))
                    else:
                        cur().paths.append((segs, t.line))
                    for s in segs[1:]:
                        cur().idents.add(s)
                    i = k
                    continue
                if i + 1 < n and toks[i + 1].text == "!" and not (i > 0 and toks[i - 1].text == "macro_rules"):
                    cur().macros.append((x, t.line))
            i += 1

    def _file_mod(self, parent: Module, name: str, path_attr: str | None, file: Path) -> None:
        if path_attr is not None:
            cands = [file.parent / path_attr]
        else:
            cands = [parent.dir / f"{name}.rs", parent.dir / name / "mod.rs"]
        for c in cands:
            if c.is_file():
                child_dir = c.parent if c.name == "mod.rs" else c.parent / name
                parent.children[name] = self._load(name, c, parent, child_dir)
                return
        self.errors.append(f"{file}: mod {name}; has no file")


def _owns_dir(file: Path) -> bool:
    return file.name in ("mod.rs", "lib.rs", "main.rs")


def _skip_item(toks: list[Tok], i: int) -> int:
    """Index after the item starting at i (its attributes, then up to `;` or its `{..}` block)."""
    while i + 1 < len(toks) and toks[i].text == "#" and toks[i + 1].text == "[":
        i = _matching(toks, i + 1) + 1
    is_use = i < len(toks) and toks[i].text in ("use", "pub") and "use" in [t.text for t in toks[i : i + 5]]
    while i < len(toks):
        if toks[i].text == ";":
            return i + 1
        if toks[i].text == "{" and not is_use:
            return _matching(toks, i) + 1
        i += 1
    return i


def _matching(toks: list[Tok], i: int) -> int:
    """Index of the bracket closing the one at i."""
    opening, depth = toks[i].text, 0
    closing = {"(": ")", "[": "]", "{": "}"}[opening]
    for j in range(i, len(toks)):
        if toks[j].text == opening:
            depth += 1
        elif toks[j].text == closing:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def parse_use_tree(toks: list[Tok]) -> list[tuple[list[str], str | None, bool]]:
    """`a::b::{c, d::e as f, g::*}` -> [(segs, alias, glob)]."""
    out: list[tuple[list[str], str | None, bool]] = []

    def tree(i: int, prefix: list[str]) -> int:
        segs = list(prefix)
        if i < len(toks) and toks[i].text == "::":
            segs.append("::")  # a leading `::`: an external crate
            i += 1
        while i < len(toks):
            x = toks[i].text
            if x == "{":
                i += 1
                while i < len(toks) and toks[i].text != "}":
                    i = tree(i, segs)
                    if i < len(toks) and toks[i].text == ",":
                        i += 1
                return i + 1
            if x == "*":
                out.append((segs, None, True))
                return i + 1
            if toks[i].kind == "ident":
                segs.append(x)
                i += 1
                if i < len(toks) and toks[i].text == "::":
                    i += 1
                    continue
                alias = segs[-1]
                if i + 1 < len(toks) and toks[i].text == "as":
                    alias = None if toks[i + 1].text == "_" else toks[i + 1].text
                    i += 2
                if segs[-1] == "self":  # `a::{self}` binds a
                    segs.pop()
                    alias = segs[-1] if alias == "self" else alias
                out.append((segs, alias, False))
                return i
            i += 1
        return i

    i = 0
    while i < len(toks):
        i = tree(i, [])
        if i < len(toks) and toks[i].text == ",":
            i += 1
    return out


class Resolver:
    """Names -> the file that defines them, following `use`/`pub use` and globs."""

    def resolve(self, m: Module, segs: list[str], seen: frozenset = frozenset()) -> tuple[str, object] | None:
        """("module", Module) or ("item", Path); None for a name outside this crate."""
        if not segs:
            return ("module", m)
        first, rest = segs[0], segs[1:]
        if first == "crate":
            return self._walk(m.top, rest, seen)
        if first == "self":
            return self._walk(m, rest, seen)
        if first == "super":
            return self.resolve(m.parent, rest, seen) if m.parent else None
        if first == "::":
            return None
        found = self._lookup(m, first, seen, local=True)
        return None if found is None else self._continue(found, rest, seen)

    def _walk(self, m: Module, segs: list[str], seen: frozenset) -> tuple[str, object] | None:
        if not segs:
            return ("module", m)
        if segs[0] in ("super", "self"):
            return self.resolve(m, segs, seen)
        found = self._lookup(m, segs[0], seen, local=False)
        # Not found (a macro-made item, an enum's variants): the module's file.
        return ("module", m) if found is None else self._continue(found, segs[1:], seen)

    def _continue(self, found: tuple[str, object], rest: list[str], seen: frozenset):
        return found if found[0] == "item" or not rest else self._walk(found[1], rest, seen)

    def _lookup(self, m: Module, name: str, seen: frozenset, local: bool) -> tuple[str, object] | None:
        if (id(m), name) in seen:
            return None
        seen = seen | {(id(m), name)}
        if name in m.children:
            return ("module", m.children[name])
        if name in m.defs:
            return ("item", m.defs[name])
        for u in m.uses:
            if not u.glob and u.alias == name:
                r = self.resolve(m, u.segs, seen)
                if r is not None:
                    return r
        for u in m.uses:
            if u.glob:
                g = self.resolve(m, u.segs, seen)
                if g is not None and g[0] == "module":
                    r = self._lookup(g[1], name, seen, local=False)
                    if r is not None:
                        return r
        if local and name in ("crate", "self", "super"):
            return self.resolve(m, [name], seen)
        return None

    def names(self, m: Module, seen: frozenset = frozenset()) -> set[str]:
        """Every name module m binds (what `use m::*` can bring in)."""
        if id(m) in seen:
            return set()
        seen = seen | {id(m)}
        out = set(m.children) | set(m.defs) | {u.alias for u in m.uses if u.alias}
        for u in m.uses:
            if u.glob:
                g = self.resolve(m, u.segs)
                if g is not None and g[0] == "module":
                    out |= self.names(g[1], seen)
        return out


def crate_edges(crate: Crate) -> dict[Path, dict[Path, str]]:
    """file -> {used file: why (the first use found)}."""
    res = Resolver()
    edges: dict[Path, dict[Path, str]] = {f: {} for f in crate.files}

    def add(m: Module, r, why: str) -> None:
        target = None if r is None else r[1].file if r[0] == "module" else r[1]
        if target != m.file and target in edges:
            edges[m.file].setdefault(target, why)

    for m in crate.modules:
        rel = m.file.name
        toc = _owns_dir(m.file) or any(c.file != m.file for c in m.children.values())
        for u in m.uses:
            if u.is_pub and toc:
                continue  # a re-export in a table of contents
            written = "::".join(u.segs) + ("::*" if u.glob else "")
            if u.glob:
                g = res.resolve(m, u.segs)
                if g is None:
                    continue
                if g[0] == "item":
                    add(m, g, f"{rel}:{u.line} use {written}")
                    continue
                for name in sorted(res.names(g[1]) & m.idents):
                    add(m, res._lookup(g[1], name, frozenset(), local=False), f"{rel}:{u.line} use {written} ({name})")
            else:
                add(m, res.resolve(m, u.segs), f"{rel}:{u.line} use {written}")
        for segs, line in m.paths:
            if segs[0] in m.defs and segs[0] not in m.children:
                continue
            add(m, res.resolve(m, segs), f"{rel}:{line} {'::'.join(segs)}")
        for name, line in m.macros:
            if name in crate.macros:
                add(m, ("item", crate.macros[name]), f"{rel}:{line} {name}!")
    return edges


# --------------------------------------------------------------------------------- the circles


def cycles(edges: dict[Path, dict[Path, str]]) -> list[list[Path]]:
    """One shortest circle through each edge that lies on a circle, each circle once."""
    found: dict[tuple, list[Path]] = {}
    for u in sorted(edges):
        for v in sorted(edges[u]):
            back = _shortest(edges, v, u)
            if back is None:
                continue
            body = [u] + back[:-1]  # u -> v ... (-> u)
            k = body.index(min(body))
            canon = tuple(body[k:] + body[:k])
            found.setdefault(canon, list(canon) + [canon[0]])
    return sorted(found.values(), key=lambda c: (len(c), [str(p) for p in c]))


def _shortest(edges, start, goal) -> list[Path] | None:
    prev = {start: None}
    queue = [start]
    for node in queue:
        if node == goal:
            path = []
            while node is not None:
                path.append(node)
                node = prev[node]
            return path[::-1]
        for nxt in sorted(edges.get(node, {})):
            if nxt not in prev:
                prev[nxt] = node
                queue.append(nxt)
    return None


# ------------------------------------------------------------------------------------ targets


def rust_crates(root: Path) -> list[Crate]:
    crates = []
    for manifest in sorted(p for p in source_files(root, (".toml",)) if p.name == "Cargo.toml"):
        data = tomllib.loads(manifest.read_text())
        pkg = data.get("package", {}).get("name")
        if pkg is None:
            continue
        d = manifest.parent
        targets: list[tuple[str, Path]] = []
        lib = data.get("lib", {}).get("path", "src/lib.rs")
        if (d / lib).is_file():
            targets.append(("lib", d / lib))
        bins = [b["path"] for b in data.get("bin", []) if "path" in b] or ["src/main.rs"]
        targets += [("bin", d / b) for b in bins if (d / b).is_file()]
        tests = [(t.get("name", ""), t["path"]) for t in data.get("test", []) if "path" in t]
        tests += [(p.stem, str(p.relative_to(d))) for p in sorted((d / "tests").glob("*.rs"))]
        targets += [(f"test {name}", (d / p).resolve()) for name, p in tests if (d / p).is_file()]
        for kind, f in targets:
            crates.append(Crate(f"{pkg} ({kind} {f.relative_to(root.resolve()) if f.is_absolute() else f})", f))
    return crates


def python_groups(root: Path) -> dict[Path, list[Path]]:
    """The .py files by folder of their own (launcher/, hosts/python/, scripts/, ...)."""
    groups: dict[Path, list[Path]] = {}
    for p in source_files(root, (".py",)):
        top = p.relative_to(root).parts[:-1]
        groups.setdefault(root.joinpath(*top[: 2 if top[:1] == ("hosts",) else 1]), []).append(p)
    return groups


def python_edges(base: Path, files: list[Path]) -> dict[Path, dict[Path, str]]:
    own = set(files)
    edges: dict[Path, dict[Path, str]] = {f: {} for f in files}

    def find(name: str, here: Path) -> Path | None:
        parts = name.split(".")
        for d in (base, here.parent):
            for c in (d.joinpath(*parts).with_suffix(".py"), d.joinpath(*parts, "__init__.py")):
                if c in own:
                    return c
        return None

    for f in files:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    pkg = f.parent
                    for _ in range(node.level - 1):
                        pkg = pkg.parent
                    mod = node.module or ""
                    names = [str((pkg / mod.replace(".", "/")).relative_to(base)).replace("/", ".").strip(".")]
                    names = [n + "." + a.name if n else a.name for n in names for a in node.names] + names
                else:
                    names = [f"{node.module}.{a.name}" for a in node.names] + [node.module or ""]
            for name in names:
                target = find(name, f) if name else None
                if target is not None and target != f:
                    edges[f].setdefault(target, f"{f.name}:{node.lineno} import {name}")
    return edges


# --------------------------------------------------------------------------------------- main


def check(root: Path, report: bool = False, why: bool = False, out=sys.stdout) -> int:
    root = root.resolve()
    problems = 0

    def rel(p: Path) -> str:
        return str(p.resolve().relative_to(root))

    sizes = sorted(((lines_of_code(p), rel(p)) for p in source_files(root)), key=lambda s: (-s[0], s[1]))
    for n, p in sizes:
        if n > LIMIT:
            print(f"too long: {p} has {n} lines of code (limit {LIMIT})", file=out)
            problems += 1

    groups: list[tuple[str, dict[Path, dict[Path, str]]]] = []
    for crate in rust_crates(root):
        for e in crate.errors:
            print(f"warning: {e}", file=out)
        groups.append((f"crate {crate.label}", crate_edges(crate)))
    for base, files in sorted(python_groups(root).items()):
        groups.append((f"python {rel(base) if base != root else '.'}/", python_edges(base, files)))
    for label, edges in groups:
        for c in cycles(edges):
            print(f"import circle in {label}: {' -> '.join(rel(p) for p in c)}", file=out)
            if why:
                for a, b in zip(c, c[1:]):
                    print(f"    {rel(a)} -> {rel(b)}: {edges[a][b]}", file=out)
            problems += 1

    if report:
        print("ten largest files (lines of code):", file=out)
        for n, p in sizes[:10]:
            print(f"  {n:5}  {p}", file=out)
    print(f"house: {problems} violation(s)" if problems else "house: ok", file=out)
    return 1 if problems else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", action="store_true", help="also print the ten largest files")
    ap.add_argument("--why", action="store_true", help="print the use behind each step of a circle")
    ap.add_argument("root", nargs="?", default=Path(__file__).resolve().parent.parent, type=Path)
    a = ap.parse_args()
    return check(a.root, a.report, a.why)


if __name__ == "__main__":
    sys.exit(main())
