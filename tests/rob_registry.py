"""A copy of the bundled registry with risk-of-bias assessments of its own (both tools), for the
tests of the risk_of_bias view, `evireg rob`, `plot rob` and the RoB column beside answers.

The bundled registry's own assessments are curated elsewhere; these are synthetic, chosen so that
every judgement and an override appear.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
RCT_DOMAINS = ("randomization", "deviations", "missing_data", "measurement", "reported_result")
NRS_DOMAINS = ("confounding", "selection", "classification", "deviations", "missing_data", "measurement",
               "reported_result")

# study -> (source id, tool, judgements in the tool's domain order)
ASSESSED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "christiansen-1995": ("pubmed", "rob2", ("low",) * 5),
    "christiansen-2002": ("pubmed", "rob2", ("low", "some_concerns", "low", "low", "low")),
    "coulam-1995": ("abstract", "rob2", ("high", "low", "some_concerns", "low", "low")),
    "stephenson-2010": ("abstract", "rob2", ("low", "low", "low", "low", "some_concerns")),
    "peero-2024": (
        "yiyunmed", "robins_i", ("serious", "moderate", "low", "low", "no_information", "low", "low")
    ),
    "jafarzadeh-2019": (
        "gao-2025-abstract", "robins_i", ("moderate", "low", "low", "low", "low", "low", "low")
    ),
}


def assessment(study: str, outcome: str) -> dict[str, Any]:
    source, tool, judgements = ASSESSED[study]
    domains = RCT_DOMAINS if tool == "rob2" else NRS_DOMAINS
    out: dict[str, Any] = {
        "outcome": outcome,
        "tool": tool,
        "domains": [
            {
                "domain": d,
                "judgement": j,
                "reason": f"{d} judged {j} (test)",
                "quotes": [{"text": f"quote for {d}", "source": source, "locator": "Abstract"}]
                if d == domains[0] else [],
            }
            for d, j in zip(domains, judgements, strict=True)
        ],
        "assessor": "test curators",
        "date": "2026-01-02",
    }
    if study == "stephenson-2010" and outcome == "live_birth":  # an override, with its reason
        out["overall"] = "high"
        out["overall_reason"] = "several concerns together (test)"
    return out


def rob_registry(dst: Path, outcomes: tuple[str, ...] = ("live_birth", "miscarriage")) -> Path:
    """A copy of the bundled registry at `dst` whose ASSESSED studies carry assessments."""
    shutil.copytree(ROOT / "registry", dst, ignore=shutil.ignore_patterns(".evireg"))
    for path in (dst / "studies").glob("*.yaml"):
        # the bundled registry's own assessments give way to the synthetic ones below
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        if record.pop("risk_of_bias", None) is not None:
            path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for study in ASSESSED:
        path = dst / "studies" / f"{study}.yaml"
        items = [assessment(study, o) for o in outcomes]
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"risk_of_bias: {json.dumps(items)}\n")
    return dst
