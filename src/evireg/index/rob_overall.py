"""The overall risk-of-bias judgement of each assessment by its tool's algorithm, staged beside
the study record.

The index shows the overall judgement in the `risk_of_bias` view and whether the assessor
overrode the algorithm, with each domain's label and place in the tool's order. The algorithm
and the labels live once, in records/rob.py; they are applied here, in
Python, and travels with the record's JSON line as `rob` for load_studies.sql to join by
outcome and tool. Studies without assessments are recognised from the text without parsing it.
"""

from __future__ import annotations

import json

from evireg.records.rob import DOMAIN_LABELS, DOMAINS, Tool, overall_by_algorithm

# Only the study's assessments have this key; text values escape their quotes, so cannot hold it.
_MARKER = '"risk_of_bias":'


def rob_json(as_json: str) -> str | None:
    """`[{"outcome", "tool", "algorithm", "domains": [{"domain", "position", "label"}]}, ...]`
    for a study's canonical JSON (position and label: the domain's in the tool's order), or None
    when it has no risk-of-bias assessment."""
    if _MARKER not in as_json:
        return None
    study = json.loads(as_json)
    out = [
        {
            "outcome": a["outcome"],
            "tool": a["tool"],
            "algorithm": overall_by_algorithm(Tool(a["tool"]), [d["judgement"] for d in a["domains"]]),
            "domains": [
                {"domain": d, "position": i, "label": DOMAIN_LABELS[d]}
                for i, d in enumerate(DOMAINS[Tool(a["tool"])], start=1)
            ],
        }
        for a in study.get("risk_of_bias", [])
    ]
    return json.dumps(out) if out else None
