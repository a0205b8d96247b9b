"""One way of writing across the site: rule titles start with a capital, the transpose is a T
(the notation page's convention; it lists ⊤ only as another author's spelling), and a backprop
form is written vᵀJ, never Jᵀv or J⊤v.

The checks read the registry (every rule's title and LaTeX), the markdown pages, the cheat sheet
hook and the library's docstrings, so a new rule or page written the other way fails here.
"""

from __future__ import annotations

import ast
import re

import mcref
from tests.conftest import ROOT

NOTATION = "docs/notation.md"
TOP = re.compile(r"\\top\b|⊤")
J_FIRST = re.compile(r"J\^\{?(?:T|\\top)\}?\s*\\?(?:mathbf\{)?v\b|Jᵀ\s*v|J⊤\s*v")


def _texts_of_rules() -> dict[str, str]:
    texts = {}
    for r in mcref.all_rules():
        for field in ("latex", "latex_denominator", "vjp_latex", "conditions"):
            texts[f"{r.id}.{field}"] = getattr(r, field) or ""
    return texts


def _ours(line: str) -> str:
    """A line of the notation page without other authors' spellings: it names them in its "Also
    written" lines and in the last column ("Elsewhere") of its table of clashes, the one place
    they belong."""
    if line.startswith("**Also written:**"):
        return ""
    if line.startswith("| "):
        return "|".join(line.rstrip(" |").split("|")[:-1])
    return line


def _pages() -> dict[str, str]:
    pages = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md")}
    pages[NOTATION] = "\n".join(_ours(line) for line in pages[NOTATION].splitlines())
    pages["hooks/cheatsheet.py"] = (ROOT / "hooks" / "cheatsheet.py").read_text(encoding="utf-8")
    return pages


def _docstrings() -> dict[str, str]:
    found = {}
    for path in sorted((ROOT / "mcref").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)):
                doc = ast.get_docstring(node)
                if doc:
                    found[f"{path.relative_to(ROOT).as_posix()}:{getattr(node, 'name', 'module')}"] = doc
    return found


def test_rule_titles_start_with_a_capital() -> None:
    lower = {r.id: r.title for r in mcref.all_rules() if not r.title[:1].isupper()}
    assert lower == {}, lower


def test_the_transpose_is_written_T() -> None:
    texts = {**_texts_of_rules(), **_pages(), **_docstrings()}
    found = {name: TOP.findall(text) for name, text in texts.items() if TOP.search(text)}
    assert found == {}, f"write the transpose as ^T, as docs/notation.md does: {found}"


def test_the_backprop_form_is_written_vT_J() -> None:
    texts = {**_texts_of_rules(), **_pages(), **_docstrings()}
    found = {name: J_FIRST.findall(text) for name, text in texts.items() if J_FIRST.search(text)}
    assert found == {}, f"write the backprop form vᵀJ (numerator layout), not Jᵀv: {found}"
    vjps = {r.id: r.vjp_latex for r in mcref.all_rules() if r.vjp_latex}
    # a VJP is stated as vᵀJ, or, for the layers and quadratic forms, as the gradient of a loss L
    forms = ("v^T J", r"\mathbf{v}^T J", r"\frac{\partial L}")
    odd = {rid: tex for rid, tex in vjps.items() if not tex.startswith(forms)}
    assert odd == {}, odd
