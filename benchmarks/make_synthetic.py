"""Seeded synthetic registries of realistic shape, for the scale benchmarks.

    python benchmarks/make_synthetic.py --studies 100000 --out /tmp/syn100k [--format yaml|jsonl|both]

Each study has 2-4 arms (one intervention), 1-3 sources, 2-5 outcomes with locators, some
derived by formula, some subgroup results, some outcomes listed as not reported, and a null arm
count now and then. Every number is synthetic and the citation says so.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path
from typing import Any

OUTCOMES = ["live_birth", "miscarriage", "adverse_reaction", "clinical_pregnancy", "preterm_birth"]
LOCATORS = ["abstract, results", "Table 2", "Table 3", "Results, para 2", "Fig. 2"]
DESIGNS = [
    ("rct", True, "double_blind", "placebo"),
    ("rct", True, "open", "untreated"),
    ("prospective_cohort", False, "open", "untreated"),
    ("quasi_rct", False, "single_blind", "placebo"),
]


def study(i: int, rng: random.Random) -> dict[str, Any]:
    sid = f"syn{i:06d}-{1990 + i % 35}"
    n_src = rng.randint(1, 3)
    sources = [
        {
            "id": f"s{j}",
            "kind": rng.choice(["abstract", "full_text", "trial_registry"]),
            "citation": f"Synthetic source {j} of study {i}",
            "url": f"https://example.org/synthetic/{i}/{j}",
        }
        for j in range(n_src)
    ]
    prov = {"source": "s0", "locator": "Methods"}
    kind, rand, blind, ctrl = rng.choice(DESIGNS)
    n_arms = rng.choice([2, 2, 2, 3, 4])
    arms = []
    sizes = []
    for a in range(n_arms):
        n = rng.randint(20, 400)
        sizes.append(n)
        analysed: dict[str, Any] = (
            {"value": None, "reason": "not reported (synthetic)"}
            if rng.random() < 0.1
            else {"value": n - rng.randint(0, 5), "source": "s0", "locator": "Fig. 1"}
        )
        arms.append(
            {
                "id": f"a{a}",
                "role": "intervention" if a == 0 else "control",
                "label": f"Arm {a}",
                "n_randomised": {"value": n, "source": "s0", "locator": "Table 1"},
                "n_analysed": analysed,
            }
        )
    outcomes = []
    not_reported = []
    chosen = rng.sample(OUTCOMES, rng.randint(2, 5))
    for o in chosen:
        if rng.random() < 0.15:
            not_reported.append({"outcome": o, "reason": "not reported in the synthetic source"})
            continue
        res = [
            {"arm": f"a{a}", "events": rng.randint(0, sizes[a] // 2), "total": sizes[a]}
            for a in range(n_arms)
        ]
        out: dict[str, Any] = {
            "outcome": o,
            "source": f"s{rng.randrange(n_src)}",
            "locator": rng.choice(LOCATORS),
            "arms": res,
        }
        if rng.random() < 0.2:
            out["derivation"] = "computed as the arm total minus the events of the complementary outcome"
            for r in res:
                r["events_formula"] = f"{r['total']} - {r['total'] - r['events']}"
        outcomes.append(out)
        if o == "live_birth" and rng.random() < 0.3:
            for value in ("primary", "secondary"):
                sub = [{"arm": r["arm"], "events": r["events"] // 2, "total": r["total"] // 2} for r in res]
                outcomes.append(
                    {
                        "outcome": o,
                        "subgroup": {"variable": "rmc_type", "value": value},
                        "source": out["source"],
                        "locator": "Table 4",
                        "arms": sub,
                    }
                )
    return {
        "$schema": "../schemas/study.schema.json",
        "id": sid,
        "citation": {
            "authors": [f"Synth {i % 97}", "Other B"],
            "year": 1990 + i % 35,
            "title": f"Synthetic trial {i} (benchmark data; not a real study)",
            "journal": "Synth J",
            "pmid": str(10_000_000 + i),
        },
        "sources": sources,
        "design": {
            "kind": kind,
            "randomised": rand,
            "blinding": blind,
            "control_type": ctrl,
            "description": "synthetic",
            "provenance": prov,
        },
        "country": rng.choice(["Denmark", "Japan", "USA", "Iran", "Sweden"]),
        "population": {"description": "synthetic", "provenance": prov},
        "characteristics": {
            "rmc_type": rng.choice(["primary", "secondary", "mixed"]),
            "min_prior_losses": rng.randint(2, 4),
        },
        "intervention": {"description": "IVIG (synthetic)", "timing": "postconception", "provenance": prov},
        "comparator": {"description": "placebo (synthetic)", "provenance": prov},
        "arms": arms,
        "outcomes": outcomes,
        "not_reported": not_reported,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=1000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--format", choices=["yaml", "jsonl", "both"], default="both")
    ap.add_argument("--seed", type=int, default=20261125)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    records = [study(i, rng) for i in range(args.studies)]
    args.out.mkdir(parents=True, exist_ok=True)
    if args.format in ("jsonl", "both"):
        with (args.out / "studies.jsonl").open("w") as fh:
            for r in records:
                fh.write(json.dumps(r, separators=(",", ":")) + "\n")
    if args.format in ("yaml", "both"):
        import yaml

        base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

        class dumper(base):  # type: ignore[misc,valid-type]
            def ignore_aliases(self, data: Any) -> bool:
                return True  # evireg refuses YAML aliases

        reg = args.out / "registry"
        (reg / "studies").mkdir(parents=True, exist_ok=True)
        (reg / "reviews").mkdir(exist_ok=True)
        # the bundled registry's profile declares the outcome and characteristic ids used here
        shutil.copyfile(Path(__file__).parents[1] / "registry" / "evireg.yaml", reg / "evireg.yaml")
        for r in records:
            (reg / "studies" / f"{r['id']}.yaml").write_text(
                yaml.dump(r, Dumper=dumper, sort_keys=False, allow_unicode=True)
            )
    print(f"wrote {len(records)} synthetic studies to {args.out}")


if __name__ == "__main__":
    main()
