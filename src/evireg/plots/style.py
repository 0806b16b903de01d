"""The look every figure shares: fonts, colours, sizes, and the matplotlib settings behind them.

matplotlib is an optional dependency (the ``plots`` extra), so nothing here imports it at module
level: :func:`require_matplotlib` says how to install it, and the helpers import it when called.
Figures are built on a bare ``Figure`` with an Agg canvas, never through pyplot, so drawing one
changes no global backend or state of the caller; the settings apply only inside :func:`styled`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from evireg.errors import UserError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure
    from matplotlib.font_manager import FontProperties

FONT_SIZE = 8.0  # points; one size for every text keeps the figure calm
TITLE_SIZE = 9.5
ROW = 13.0  # row pitch in points (1.6 x the font size)
INK = "#1a1a1a"
SQUARE = "#27466e"  # study squares: a dark blue that prints as dark grey
RULE = "#7a7a7a"

# Arial/Helvetica or a metric-compatible clone, so an SVG opened elsewhere keeps its widths.
FONT_PREFERENCE = ("Arial", "Helvetica", "Liberation Sans", "Nimbus Sans", "DejaVu Sans")


def require_matplotlib() -> None:
    """Raise a UserError saying how to install matplotlib when it is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UserError("matplotlib is not installed; pip install 'evireg[plots]'") from None


@contextlib.contextmanager
def styled() -> Iterator[None]:
    """The figure style, for drawing and for saving (the file formats read their settings then)."""
    require_matplotlib()
    import matplotlib as mpl

    # Given inline so that type checkers match each key against matplotlib's known settings.
    with mpl.rc_context(
        {
            # A generic family: matplotlib draws with the first installed name, and an SVG lists
            # them all (then `sans-serif`), so a viewer without the first still finds a close match.
            "font.family": "sans-serif",
            "font.sans-serif": list(FONT_PREFERENCE),
            "font.size": FONT_SIZE,
            "text.color": INK,
            "axes.edgecolor": INK,
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "axes.linewidth": 0.7,
            "xtick.major.width": 0.7,
            "ytick.major.width": 0.7,
            "xtick.major.size": 3.0,
            "ytick.major.size": 3.0,
            "axes.unicode_minus": False,  # hyphen-minus, like the numbers in the table text
            "svg.fonttype": "none",  # text stays text: searchable, editable
            "svg.hashsalt": "evireg",  # stable element ids, reproducible files
            "pdf.fonttype": 42,  # TrueType, not Type 3: what journals ask for
            "ps.fonttype": 42,
        }
    ):
        yield


def new_figure(width_in: float, height_in: float) -> Figure:
    """A white figure of this size with its own Agg canvas (no pyplot, no global backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def root_figure(ax: Axes) -> Figure:
    """The top-level Figure holding ``ax``, also when the axes sit in a subfigure."""
    from matplotlib.figure import SubFigure

    fig: Figure | SubFigure = ax.figure
    while isinstance(fig, SubFigure):  # a subfigure may sit in another one
        fig = fig.figure
    return fig


def tick_label(t: float) -> str:
    """An axis number without trailing zeros: 0.5, 1, 10."""
    return f"{t:g}"


class Ruler:
    """Text widths in points, for the fonts the figure uses."""

    def __init__(self) -> None:
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import TextToPath

        self._t2p = TextToPath()
        self.normal: FontProperties = FontProperties(size=FONT_SIZE)
        self.bold: FontProperties = FontProperties(size=FONT_SIZE, weight="bold")

    def width(self, text: str, bold: bool = False, size: float = FONT_SIZE) -> float:
        if not text:
            return 0.0
        prop = self.bold if bold else self.normal
        if size != FONT_SIZE:
            prop = prop.copy()
            prop.set_size(size)
        w, _, _ = self._t2p.get_text_width_height_descent(text, prop, False)
        return float(w)
