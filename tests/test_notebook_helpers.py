"""The notebooks' figure helper (docs/notebooks/helpers/figures.py): a figure becomes an inline
PNG that keeps its size and carries its alt text, and bad input is refused by name."""

from __future__ import annotations

import importlib.util
import io
import re
import struct

import pytest

from tests.conftest import ROOT

pytest.importorskip("matplotlib")
pytest.importorskip("IPython")

_SPEC = importlib.util.spec_from_file_location("figures", ROOT / "docs" / "notebooks" / "helpers" / "figures.py")
assert _SPEC is not None and _SPEC.loader is not None
figures = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(figures)


def _png(width: int, height: int) -> bytes:
    fig = figures.plt.figure(figsize=(width / 100, height / 100), dpi=100)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    figures.plt.close(fig)
    return buffer.getvalue()


def test_the_tag_has_the_png_size_and_the_escaped_alt_text() -> None:
    png = _png(300, 120)
    tag = figures.png_tag(png, 'loss < 1 & "falling"')
    assert struct.unpack(">II", png[16:24]) == (300, 120)
    assert re.fullmatch(
        r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" width="300" height="120" '
        r'alt="loss &lt; 1 &amp; &quot;falling&quot;">',
        tag,
    ), tag[:80]


@pytest.mark.parametrize(
    ("png", "alt", "pattern"),
    [
        (b"GIF89a" + bytes(26), "a plot", r"png must be the bytes of a PNG file, got bytes starting b'GIF89a"),
        (None, "   ", r"alt must be a text describing the figure, got '   '"),
        (None, None, r"alt must be a text describing the figure, got None"),
    ],
)
def test_bad_input_is_refused(png: bytes | None, alt: object, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        figures.png_tag(png if png is not None else _png(10, 10), alt)  # type: ignore[arg-type]
