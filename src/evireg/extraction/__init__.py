"""Double data extraction: two extractors' records of a study compared field by field
(compare.py), disagreements adjudicated into the study record with a log (adjudicate.py), and
the tables the index shows about them (tables.py). The files themselves are read by
registry/extractions.py and modelled in records/extraction_files.py."""

from evireg.extraction.adjudicate import (
    adjudicate,
    adjudication_log,
    check_resolutions,
    load_resolutions,
    save_adjudication,
)
from evireg.extraction.compare import (
    Comparison,
    FieldComparison,
    FieldValue,
    compare_extractions,
    flatten,
    keyed_path,
    match_key,
    pick_pair,
    show,
    unflatten,
)
from evireg.records.extraction_files import AdjudicationLog, Resolution, ResolutionFile
from evireg.registry.extractions import (
    RESOLUTIONS_NAME,
    Extraction,
    extraction_problems,
    extractions_dir,
    load_extraction,
    scan,
    study_extractions,
)

__all__ = [
    "RESOLUTIONS_NAME",
    "AdjudicationLog",
    "Comparison",
    "Extraction",
    "FieldComparison",
    "FieldValue",
    "Resolution",
    "ResolutionFile",
    "adjudicate",
    "adjudication_log",
    "check_resolutions",
    "compare_extractions",
    "extraction_problems",
    "extractions_dir",
    "flatten",
    "keyed_path",
    "load_extraction",
    "load_resolutions",
    "match_key",
    "pick_pair",
    "save_adjudication",
    "scan",
    "show",
    "study_extractions",
    "unflatten",
]
