"""Publication figures of a pooled answer: a RevMan-style forest plot and a funnel plot.

Pure library code: an :class:`~evireg.review.question.Answer` in, a matplotlib ``Figure`` out
(drawn into a caller's ``ax`` when one is given); :func:`save` writes it. matplotlib is an
optional dependency (the ``plots`` extra): no module here imports it at module level, so
``import evireg.plots`` works without it and :func:`require_matplotlib` says how to install it.

style.py holds the fonts, colours and matplotlib settings; forest_rows.py, forest_layout.py and
forest.py the forest plot (what it says, where it goes, the drawing); funnel.py the funnel plot
and its Egger caption; save.py the writing of SVG, PNG and PDF files.
"""

from evireg.plots.forest import forest_figure
from evireg.plots.funnel import funnel_figure
from evireg.plots.save import save
from evireg.plots.style import require_matplotlib

__all__ = ["forest_figure", "funnel_figure", "require_matplotlib", "save"]
