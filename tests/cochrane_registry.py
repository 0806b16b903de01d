"""A small registry written from chosen analyses of tests/data/cochrane/*.csv (test-only).

Not the importer (``evireg import cochrane`` is): just enough to give the audit of imported
reviews real printed rows to hold against real study data.  Each review becomes a review file
whose analyses carry their printed rows (measure, method and model not stated), each study
label a study record with one result per analysis row (by subgroup where the analysis has
subgroups), and each analysis an outcome of the profile; a subgrouped analysis gets a category
characteristic whose value labels are the printed subgroup names.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import Any

import yaml

from .cochrane_rows import DATA

SRC = {
    "id": "review",
    "kind": "secondary",
    "citation": "The review's analysis data (test fixture)",
    "url": "https://www.cochranelibrary.com/",
}


def _slug(text: str, sep: str = "-") -> str:
    s = re.sub(r"[^a-z0-9]+", sep, text.lower()).strip(sep)
    return s if s[:1].isalpha() else f"s{sep}{s}"


def _kind(r: dict[str, str]) -> str:
    if (r.get("GIV Mean") or "").strip():
        return "generic"
    return "dichotomous" if (r.get("Experimental cases") or "").strip() else "continuous"


def _num(s: str) -> int | float:
    x = float(s)
    return int(x) if x.is_integer() else x


def _arms(r: dict[str, str], kind: str) -> list[dict[str, Any]]:
    out = []
    for arm, side in (("exp", "Experimental"), ("ctrl", "Control")):
        if kind == "dichotomous":
            out.append({"arm": arm, "events": int(r[f"{side} cases"]), "total": int(r[f"{side} N"])})
        else:
            out.append(
                {
                    "arm": arm,
                    "n": int(r[f"{side} N"]),
                    "mean": _num(r[f"{side} mean"]),
                    "sd": _num(r[f"{side} SD"]),
                }
            )
    return out


def _effect(r: dict[str, str]) -> dict[str, Any]:
    """A generic estimate on the log scale where RevMan printed it exponentiated."""
    est, se, shown = float(r["GIV Mean"]), float(r["GIV SE"]), r["Mean"].strip()
    ratio = bool(shown) and abs(math.exp(est) - float(shown)) <= 1e-6 * max(1.0, float(shown))
    if ratio:
        return {"measure": "RR", "estimate": est, "se": se, "scale": "log"}
    return {"measure": "MD", "estimate": est, "se": se}


def _printed(s: str) -> str | None:
    return s.strip() or None


def write_registry(root: Path, picks: dict[str, list[str]]) -> dict[str, str]:
    """Write a registry holding the analyses ``picks`` names per file (e.g. {"CD000478_pub5.csv":
    ["1.1", "7.1"]}); returns each file's review id."""
    outcomes: list[dict[str, Any]] = []
    chars: list[dict[str, Any]] = []
    studies: dict[str, dict[str, Any]] = {}
    review_ids: dict[str, str] = {}
    (root / "studies").mkdir(parents=True, exist_ok=True)
    (root / "reviews").mkdir(parents=True, exist_ok=True)
    for name, numbers in picks.items():
        rid = _slug(name.removesuffix(".csv"))
        review_ids[name] = rid
        with open(DATA / name, newline="", encoding="utf-8") as fh:
            rows = [
                r for r in csv.DictReader(fh) if f"{r['Analysis group']}.{r['Analysis number']}" in numbers
            ]
        analyses: list[dict[str, Any]] = []
        included: list[str] = []
        for number in numbers:
            group = [r for r in rows if f"{r['Analysis group']}.{r['Analysis number']}" == number]
            outcome = _slug(f"{rid} {number}", "_")
            kind = _kind(group[0])
            outcomes.append(
                {
                    "id": outcome,
                    "label": group[0]["Analysis name"],
                    "data_type": kind,
                    "direction": "higher_is_worse",
                }
            )
            names = list(dict.fromkeys(r["Subgroup"].strip() for r in group if r["Subgroup"].strip()))
            variable = None
            if names:
                variable = f"sg_{outcome}"
                values = [f"g{i + 1}" for i in range(len(names))]  # printed names can be long
                chars.append(
                    {
                        "id": variable,
                        "label": f"Subgroups of {number}",
                        "type": "category",
                        "values": values,
                        "value_labels": dict(zip(values, names, strict=True)),
                    }
                )
            printed = []
            for r in group:
                sid = _slug(f"{rid} {r['Study']}")
                if sid not in included:
                    included.append(sid)
                study = studies.setdefault(sid, _study(sid, r, rid))
                result: dict[str, Any] = {
                    "outcome": outcome,
                    "source": "review",
                    "locator": f"Analysis {number}, row {r['Study']!r}",
                }
                if variable:
                    value = f"g{names.index(r['Subgroup'].strip()) + 1}"
                    result["subgroup"] = {"variable": variable, "value": value}
                if kind == "generic":
                    result["effect"] = _effect(r)
                else:
                    result["arms"] = _arms(r, kind)
                study["outcomes"].append(result)
                printed.append(
                    {
                        "study": sid,
                        "label": r["Study"],
                        "subgroup": r["Subgroup"].strip() or None,
                        "estimate": _printed(r["Mean"]),
                        "ci_low": _printed(r["CI start"]),
                        "ci_high": _printed(r["CI end"]),
                        "weight": _printed(r["Weight"]),
                        "locator": f"Analysis {number}, row {r['Study']!r}",
                    }
                )
            analysis: dict[str, Any] = {
                "id": _slug(f"a {number}"),
                "outcome": outcome,
                "model": "unknown",
                "number": number,
                "name": group[0]["Analysis name"],
                "applicability": group[0]["Applicability"].lower(),
                "subgroups": names,
                "rows": printed,
                "provenance": {"source": "review", "locator": f"Analysis {number}"},
            }
            if variable:
                analysis["subgroup_variable"] = variable
            analyses.append(analysis)
        review = {
            "id": rid,
            "citation": {"authors": ["Cochrane"], "year": 2020, "title": name, "journal": "CDSR"},
            "sources": [SRC],
            "included_studies": included,
            "analyses": analyses,
        }
        _dump(root / "reviews" / f"{rid}.yaml", review)
    for sid, study in studies.items():
        _dump(root / "studies" / f"{sid}.yaml", study)
    profile = {
        "title": "Cochrane analyses (test fixture)",
        "outcomes": outcomes,
        "characteristics": chars,
        "arms": {"intervention": "Experimental", "control": "Control"},
    }
    _dump(root / "evireg.yaml", profile)
    return review_ids


def _study(sid: str, r: dict[str, str], rid: str) -> dict[str, Any]:
    def prov() -> dict[str, str]:
        return {"source": "review", "locator": f"{rid}: {r['Study']}"}

    year = int(r.get("Study year") or re.findall(r"(?:19|20)\d\d", r["Study"])[0])

    def count() -> dict[str, Any]:  # a fresh mapping each time: the YAML must hold no aliases
        return {"value": None, "reason": "not recorded by the test fixture"}

    return {
        "id": sid,
        "citation": {
            "authors": [r["Study"].split(" ")[0]],
            "year": year,
            "title": r["Study"],
            "journal": "unknown",
        },
        "sources": [SRC],
        "design": {
            "kind": "rct",
            "randomised": True,
            "blinding": "unclear",
            "control_type": "unclear",
            "description": "from the review",
            "provenance": prov(),
        },
        "population": {"description": "from the review", "provenance": prov()},
        "intervention": {"description": "experimental", "provenance": prov()},
        "comparator": {"description": "control", "provenance": prov()},
        "arms": [
            {
                "id": "exp",
                "role": "intervention",
                "label": "Experimental",
                "n_randomised": count(),
                "n_analysed": count(),
            },
            {
                "id": "ctrl",
                "role": "control",
                "label": "Control",
                "n_randomised": count(),
                "n_analysed": count(),
            },
        ],
        "outcomes": [],
    }


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
