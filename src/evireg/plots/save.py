"""Writing a figure to SVG, PNG or PDF: reproducible bytes, written whole or not at all.

The figure is rendered into memory first, so a drawing error leaves no file behind, and the
bytes go through the project's one atomic writer (:func:`evireg.registry.fileio.write_atomically`:
temp file beside the target, fsync, rename, the umask's mode, one clear message per failure).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evireg.errors import UserError
from evireg.plots.style import styled
from evireg.registry import fileio

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FORMATS", "PNG_DPI", "save"]

FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
PNG_DPI = 200


def save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as SVG, PNG (200 dpi) or PDF, chosen by the suffix; atomically."""
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise UserError(f"{p}: unknown figure format {p.suffix or '(no suffix)'!r}; use .svg, .png or .pdf")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"{p}: folder {folder} does not exist")
    # Reproducible files: no timestamps, so regenerated figures only change when the data do.
    metadata: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}[fmt]
    buffer = io.BytesIO()
    with styled():  # the file formats read their settings (fonts as text, ids) while saving
        fig.savefig(
            buffer, format=fmt, dpi=PNG_DPI if fmt == "png" else 72, metadata=metadata, facecolor="white"
        )
    fileio.write_atomically({p: buffer.getvalue()})
    return p
