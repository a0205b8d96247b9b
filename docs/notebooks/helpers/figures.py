"""Figures for the notebooks: draw with matplotlib off screen, show each as an inline PNG with alt text.

The notebooks import this module (`from helpers.figures import plt, show`). Opened in Jupyter,
a notebook's kernel starts in docs/notebooks/ and finds the folder there; when the site is
built, the kernels start in the repository root, and hooks/notebook_path.py puts docs/notebooks/
on their PYTHONPATH. To run a notebook yourself, keep this folder next to it.
The folder is not a notebook: mkdocs-jupyter's `include: ["notebooks/*.py"]` matches only the
files directly in docs/notebooks/.
"""

from __future__ import annotations

import base64
import html
import io
import struct

import matplotlib

matplotlib.use("Agg")  # draw off screen: a build has no display
import matplotlib.pyplot as plt
from IPython.display import HTML, display

__all__ = ["plt", "png_tag", "show"]


def png_tag(png: bytes, alt: str) -> str:
    """An <img> holding `png` inline, with its width and height (so the page keeps room for it)
    read from the PNG header, and `alt` as its text alternative."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"png must be the bytes of a PNG file, got bytes starting {png[:8]!r}")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError(f"alt must be a text describing the figure, got {alt!r}")
    width, height = struct.unpack(">II", png[16:24])
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" width="{width}" height="{height}" alt="{html.escape(alt)}">'


def show(fig: matplotlib.figure.Figure, alt: str) -> None:
    """Display a figure as a PNG with a text alternative, then close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    display(HTML(png_tag(buffer.getvalue(), alt)))
