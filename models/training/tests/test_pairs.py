"""pairs.py: mining (code -> summary) pairs from docstrings and JSDoc, with no torch."""
from __future__ import annotations

import textwrap

from pairs import js_pairs, python_pairs, summarise

PY = textwrap.dedent('''
    import math


    class Circle:
        """A circle with a radius. Knows its area."""

        def area(self):
            """Return the area of the circle.

            Longer explanation that is not part of the summary.
            """
            return math.pi * self.r ** 2

        def _tiny(self):
            """Too short."""
            return 1

        def doctest_only(self):
            """>>> Circle().doctest_only()"""
            return 2
''')

JS = textwrap.dedent('''
    /**
     * Adds two numbers and returns their sum.
     * @param {number} a first
     */
    export function add(a, b) {
      const s = "}"; // a brace in a string and a comment: }
      return a + b + s.length;
    }

    /** Declared only, resolved elsewhere by the runtime. */
    export const handler = makeHandler(options);
''')


def test_summary_is_the_first_sentence_of_the_first_paragraph():
    assert summarise("Return the area.\n\nMore text.") == "Return the area."
    # a short first sentence takes the second one along
    assert summarise("Parse it. Then validate the fields it has.") == "Parse it. Then validate the fields it has."
    assert summarise("See {@link Foo|the foo} for the details.") == "See Foo for the details."
    assert summarise("Too short.") is None
    assert summarise(">>> f()") is None
    assert summarise(":param x: a value here") is None


def test_python_pairs_drop_the_docstring_from_the_code():
    pairs = {p.name: p for p in python_pairs(PY, "geom.py")}
    assert set(pairs) == {"Circle", "area"}
    area = pairs["area"]
    assert area.summary == "Return the area of the circle."
    assert area.code == "def area(self):\n    return math.pi * self.r ** 2"
    assert area.lang == "python" and area.path == "geom.py"
    assert "A circle with a radius" not in pairs["Circle"].code  # its own docstring only


def test_python_pairs_of_broken_source_is_empty():
    assert python_pairs("def f(:\n", "bad.py") == []


def test_js_pairs_match_braces_past_strings_and_comments():
    pairs = {p.name: p for p in js_pairs(JS, "add.js", "javascript")}
    assert set(pairs) == {"add", "handler"}
    add = pairs["add"]
    assert add.summary == "Adds two numbers and returns their sum."
    assert add.code.startswith("export function add(a, b) {") and add.code.endswith("return a + b + s.length;\n}")
    assert pairs["handler"].code == "export const handler = makeHandler(options);"
