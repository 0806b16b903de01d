"""The derived numbers of a study's continuous and generic results, staged beside the record.

A record holds only what its sources printed; the index's views need each arm's mean and SD and
each effect's estimate and SE on the analysis scale. They are derived here, in Python, by the
records' own methods (records/measures.py over stats/derivations.py: a t quantile has no SQL
equivalent), and travel with the record's JSON line as `d` for load_studies.sql to join by
result number and arm. Dichotomous-only studies, the common case, are recognised from the text
without parsing it and get nothing.
"""

from __future__ import annotations

import json
from typing import Any

from evireg.records.measures import ArmStats, EffectResult

# Keys that only continuous arms (`"n"`) and generic results (`"effect"`) have. In canonical JSON
# a key is written `"key":`; text values escape their quotes, so they cannot hold the marker.
_MARKERS = ('"n":', '"effect":')


def derived_json(as_json: str) -> str | None:
    """`{"arms": [...], "effects": [...]}` for a study's canonical JSON, or None when it has no
    continuous or generic result."""
    if not any(m in as_json for m in _MARKERS):
        return None
    study = json.loads(as_json)
    arms: list[dict[str, Any]] = []
    effects: list[dict[str, Any]] = []
    for i, o in enumerate(study.get("outcomes", [])):
        for a in o.get("arms", []):
            if "n" not in a:
                continue
            s = ArmStats.model_validate({k: v for k, v in a.items() if k in ArmStats.model_fields}).summary()
            arms.append({"result_no": i, "arm": a["arm"], "mean": s.mean, "sd": s.sd,
                         "derivation": s.derivation})
        if o.get("effect") is not None:
            e = EffectResult.model_validate(o["effect"]).analysis()
            effects.append({"result_no": i, "estimate": e.estimate, "se": e.se,
                            "estimate_natural": e.estimate_natural, "derivation": e.derivation})
    if not arms and not effects:
        return None
    return json.dumps({"arms": arms, "effects": effects})
