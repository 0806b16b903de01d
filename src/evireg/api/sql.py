"""The inputs of :meth:`evireg.Registry.fetch` (`evireg query`) checked and converted: its
parameters given as ``name=value`` texts, and its time cap."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from evireg.index.view_descriptions import VIEW_DESCRIPTIONS  # what each view holds, for `views`

__all__ = ["VIEW_DESCRIPTIONS", "check_timeout", "query_params"]


def query_params(pairs: Iterable[str]) -> dict[str, Any]:
    """Query parameters from ``name=value`` texts, as a command line gives them.

    Parameters
    ----------
    pairs : texts such as ``"sid=smith-2001"`` or ``"n=3"``; each value is bound to ``$name``.

    Returns
    -------
    dict : name -> value; integers and decimals become numbers, everything else stays text.

    Raises
    ------
    UserError : for a text without ``=`` or a name that is not an identifier.
    """
    from evireg.index.query import parse_params

    return parse_params(list(pairs))


def check_timeout(seconds: float) -> float:
    """A time cap that :meth:`evireg.Registry.fetch` accepts (0.1 s to one hour).

    Returns
    -------
    float : ``seconds``, unchanged.

    Raises
    ------
    QueryRefused : for a number of seconds outside that range, or not a number.
    """
    from evireg.index.sqlguard import check_timeout as check

    return check(seconds)
