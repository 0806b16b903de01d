"""`evireg sof`: a review's GRADE summary of findings (Registry.sof), laid out by render/sof.py."""

from __future__ import annotations

from evireg import api
from evireg.cli.app import DocFormatOpt, RegistryOpt, ReviewOpt, command
from evireg.cli.output import DocFmt, emit_document


@command()
def sof(review: ReviewOpt = None, fmt: DocFormatOpt = DocFmt.table, registry: RegistryOpt = None) -> None:
    """GRADE summary of findings: relative and absolute effects, participants and certainty per outcome."""
    from evireg.render import sof as rs

    result = api.open(registry).sof(review)
    emit_document(
        fmt,
        "sof",
        as_json=result.to_dict,
        markdown=lambda: rs.markdown(result),
        laid_out=lambda width: rs.rich(result, width),
    )
