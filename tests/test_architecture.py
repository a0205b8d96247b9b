"""The shape of the package: core at the bottom, imports point down, no private names across modules.

    mcref.core    registry, numerical comparison, checker, validation, layout (numpy only)
    mcref.paper   the paper's rules            (imports core)
    mcref.ext     rules beyond the paper       (imports core and paper)
    mcref.cookbook the Matrix Cookbook's section 2, checked entry by entry (imports core)
    mcref.engine  the derivative engine        (imports nothing of mcref outside itself; no numpy)
    mcref.derivation  mcref.derive: the engine plus its numerical check (imports core and engine)
    mcref.cli     the command line             (imports all of them)

The checks read the source with `ast`, so they see every import, including the
ones inside functions, without running anything.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mcref"
# a layer may import the layers listed for it (and itself), never one above it
ALLOWED = {
    "mcref.core": {"mcref.core"},
    "mcref.paper": {"mcref.core", "mcref.paper"},
    "mcref.ext": {"mcref.core", "mcref.paper", "mcref.ext"},
    "mcref.cookbook": {"mcref.core", "mcref.cookbook"},
    "mcref.engine": {"mcref.engine"},
    "mcref.derivation": {"mcref.core", "mcref.engine", "mcref.derivation"},
}
# our own top-level packages: a private name of a third-party package is not this test's business
OURS = {"mcref", "hooks", "tests", "benchmarks", "scripts"}
# Python files whose imports are checked for private names: the library and everything that uses it
CHECKED = [
    *sorted(PACKAGE.rglob("*.py")),
    *sorted((ROOT / "hooks").glob("*.py")),
    *sorted((ROOT / "scripts").glob("*.py")),
    *sorted((ROOT / "benchmarks").glob("*.py")),
    *sorted((ROOT / "tests").glob("*.py")),
]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(tree: ast.AST, here: str) -> Iterator[tuple[int, str, str | None]]:
    """(line, module, name) for each import; name is None for `import module`."""
    package = here if here.count(".") == 0 else here.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                yield node.lineno, base, alias.name


def layer(module: str) -> str | None:
    for name in ALLOWED:
        if module == name or module.startswith(name + "."):
            return name
    return None


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def layer_violations(path: Path, source: str | None = None) -> list[str]:
    here = module_name(path)
    mine = layer(here)
    if mine is None:
        return []
    found = []
    for line, module, name in imports(ast.parse(source or path.read_text(encoding="utf-8")), here):
        targets = [module] if name is None or not _is_module(f"{module}.{name}") else [f"{module}.{name}"]
        for target in targets:
            if target == "mcref" or target.startswith("mcref."):
                theirs = layer(target)
                if theirs is None or theirs not in ALLOWED[mine]:
                    found.append(f"{path.relative_to(ROOT)}:{line}: {here} ({mine}) imports {target}")
    return found


def private_violations(path: Path, source: str | None = None) -> list[str]:
    """`from other import _name`, or `other._name` on an imported module, where other is another module."""
    here = module_name(path)
    tree = ast.parse(source or path.read_text(encoding="utf-8"))
    found = []
    aliases: dict[str, str] = {}  # local name -> the module it is bound to
    for line, module, name in imports(tree, here):
        if name is None:
            continue
        ours = module.split(".")[0] in OURS
        if ours and name.startswith("_") and not name.startswith("__") and module != here:
            found.append(f"{path.relative_to(ROOT)}:{line}: imports the private name {name} from {module}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if _is_module(f"{node.module}.{alias.name}"):
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            chain = []
            value: ast.expr = node.value
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in aliases:
                target = ".".join([aliases[value.id], *reversed(chain)])
                if target.startswith("mcref") and _is_module(target) and target != here:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: uses the private name {target}.{node.attr}")
    return found


def test_every_library_module_is_in_a_layer() -> None:
    loose = [
        module_name(p)
        for p in PACKAGE.glob("*.py")
        if p.stem not in {"__init__", "__main__", "cli"} and module_name(p) not in ALLOWED
    ]
    assert loose == [], f"modules outside core/paper/ext: {loose}; put each in the layer it belongs to"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path: Path) -> None:
    assert layer_violations(path) == []


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_names_across_modules(path: Path) -> None:
    assert private_violations(path) == []


def test_the_checks_see_a_violation() -> None:
    """Both checks fail on mcref/core/registry.py with an upward import or a private name added."""
    core = PACKAGE / "core" / "registry.py"
    text = core.read_text(encoding="utf-8")
    up = "from mcref.paper.elementwise import add\nfrom mcref.ext import softmax\n"
    private = "from mcref.core.validate import _describe\nimport mcref.core.numerical as num\nnum._variable\n"
    assert layer_violations(core) == [] and private_violations(core) == []
    assert len(layer_violations(core, text + up)) == 2
    assert len(private_violations(core, text + private)) == 2


def test_the_package_reexports_only_its_public_api() -> None:
    """A fresh `import mcref` exposes exactly `__all__` (in this process, tests import more submodules);
    `dir` lists the engine's names, which are loaded on first use."""
    code = (
        "import mcref, json; "
        "print(json.dumps([sorted(n for n in dir(mcref) if not n.startswith('_')), mcref.__all__]))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    public, declared = json.loads(out)
    assert set(public) == set(declared), f"names outside __all__: {sorted(set(public) - set(declared))}"
    assert {"core", "paper", "ext"} <= set(public)
    assert not {"elementwise", "registry", "numerical", "cli"} & set(public), "modules are reached through their layer"
