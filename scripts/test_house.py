"""Unit tests of scripts/house.py on small synthetic crates (`python3 -m unittest scripts/test_house.py`)."""

import io
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import house  # noqa: E402


class House(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            p = self.root / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(textwrap.dedent(text))

    def crate(self, files: dict[str, str]) -> None:
        self.write({"k/Cargo.toml": '[package]\nname = "k"\n', **{f"k/src/{n}": t for n, t in files.items()}})

    def run_check(self, **kw) -> tuple[int, str]:
        out = io.StringIO()
        code = house.check(self.root, out=out, **kw)
        return code, out.getvalue()

    def edges(self) -> dict[str, set[str]]:
        (crate,) = house.rust_crates(self.root)
        src = self.root / "k" / "src"
        return {str(a.relative_to(src)): {str(b.relative_to(src)) for b in bs} for a, bs in house.crate_edges(crate).items()}

    def test_a_circle_is_found_and_named(self):
        self.crate(
            {
                "lib.rs": "mod a;\nmod b;\n",
                "a.rs": "use crate::b::{self as bee, B};\npub struct A;\n",
                "b.rs": "pub struct B;\npub fn f() -> Option<super::a::A> { None }\n",
            }
        )
        code, out = self.run_check()
        self.assertEqual(code, 1)
        self.assertIn("k/src/a.rs -> k/src/b.rs -> k/src/a.rs", out)

    def test_a_re_export_is_followed_to_the_defining_file(self):
        self.crate(
            {
                "lib.rs": "mod a;\nmod m;\n",
                "m/mod.rs": "mod inner;\npub use inner::Thing;\npub fn unrelated() {}\n",
                "m/inner.rs": "pub struct Thing;\n",
                "a.rs": "use crate::m::Thing;\npub fn g(_: Thing) {}\n",
            }
        )
        e = self.edges()
        self.assertEqual(e["a.rs"], {"m/inner.rs"})
        self.assertEqual(e["m/mod.rs"], set())  # `mod inner;` and its `pub use` are a table of contents

    def test_a_re_export_makes_a_circle_only_with_the_defining_file(self):
        self.crate(
            {
                "lib.rs": "mod a;\nmod m;\n",
                "m/mod.rs": "mod inner;\npub use inner::Thing;\npub use crate::a::A;\n",
                "m/inner.rs": "pub struct Thing(pub crate::a::A);\n",
                "a.rs": "pub struct A;\nfn h() { let _ = crate::m::Thing; }\n",
            }
        )
        code, out = self.run_check()
        self.assertEqual(code, 1)
        self.assertIn("k/src/a.rs -> k/src/m/inner.rs -> k/src/a.rs", out)
        self.assertNotIn("m/mod.rs ->", out)

    def test_a_tree_without_circles_passes(self):
        self.crate(
            {
                "lib.rs": "pub mod a;\npub mod b;\npub mod c;\npub use a::A;\n",
                "a.rs": "use crate::b::*;\npub struct A(pub B);\n",
                "b.rs": "use super::c::{C as Cee, D};\npub struct B(pub Cee, pub D);\n"
                "#[cfg(test)]\nmod tests {\n    use crate::a::A;\n}\n",
                "c.rs": "pub struct C;\npub struct D;\n// crate::a::A in a comment\n"
                'pub const S: &str = "crate::a::A in a string";\n',
            }
        )
        self.assertEqual(self.edges(), {"lib.rs": set(), "a.rs": {"b.rs"}, "b.rs": {"c.rs"}, "c.rs": set()})
        self.assertEqual(self.run_check(), (0, "house: ok\n"))

    def test_paths_in_code_child_modules_globs_and_macros_are_uses(self):
        self.crate(
            {
                "lib.rs": "#[macro_use]\nmod util;\nmod s;\n",
                "util.rs": "macro_rules! check { () => {} }\npub fn helper() {}\n",
                "s/mod.rs": "mod feed;\nmod job;\npub fn run() { feed::start(); check!(); }\n",
                "s/feed.rs": "use super::*;\npub fn start() { let _ = job::Job; }\n",
                "s/job.rs": "pub struct Job;\npub fn x() { crate::util::helper(); }\n",
            }
        )
        e = self.edges()
        self.assertEqual(e["s/mod.rs"], {"s/feed.rs", "util.rs"})
        self.assertEqual(e["s/feed.rs"], {"s/job.rs"})
        self.assertEqual(e["s/job.rs"], {"util.rs"})

    def test_a_python_circle_is_found(self):
        self.write(
            {
                "launcher/one.py": "import two\n\ndef f():\n    return two.g()\n",
                "launcher/two.py": "from one import f\n\ndef g():\n    return 1\n",
                "launcher/three.py": "import one\nimport json\n",
            }
        )
        code, out = self.run_check()
        self.assertEqual(code, 1)
        self.assertIn("launcher/one.py -> launcher/two.py -> launcher/one.py", out)
        self.assertNotIn("three.py ->", out)

    def test_lines_of_code_stop_at_the_tests_and_skip_comments(self):
        body = "//! doc\n\n// note\nfn f() {}\n" * 300 + "#[cfg(test)]\nmod tests {\n" + "fn t() {}\n" * 900 + "}\n"
        self.crate({"lib.rs": body})
        self.assertEqual(house.lines_of_code(self.root / "k/src/lib.rs"), 300)
        self.assertEqual(self.run_check()[0], 0)
        self.crate({"lib.rs": "fn f() {}\n" * 551})
        code, out = self.run_check(report=True)
        self.assertEqual(code, 1)
        self.assertIn("too long: k/src/lib.rs has 551 lines of code", out)
        self.assertIn("  551  k/src/lib.rs", out)


if __name__ == "__main__":
    unittest.main()
