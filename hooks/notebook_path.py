"""MkDocs hook: the notebooks' kernels find the helpers that sit next to the notebooks.

mkdocs-jupyter reads a percent-format notebook into memory and executes it there, so its
kernel starts in the build's working directory (the repository root), not in docs/notebooks/.
A notebook that imports its helper folder (`from helpers.figures import show`, the way it runs
when opened in Jupyter next to the folder) would fail at build time. The kernels are child
processes of the build and inherit its environment, so this hook puts docs/notebooks/ on
PYTHONPATH before any notebook runs (hooks/notebook_prefetch.py starts them in `on_files`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    folder = str(Path(config.docs_dir) / "notebooks")
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if folder not in paths:  # once, however often `mkdocs serve` rebuilds
        os.environ["PYTHONPATH"] = os.pathsep.join([*paths, folder])
    return config
