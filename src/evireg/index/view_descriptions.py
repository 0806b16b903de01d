"""One sentence per public view on what it holds, for `evireg views` and `evireg views NAME`.

The views themselves are SQL (sql/views.sql, sql/extractions.sql); the sentences live here, once,
so the CLI need not parse SQL comments. tests/test_query_tables.py fails when a view of a built index
has no sentence here, or a sentence names a view that no longer exists.
"""

from __future__ import annotations

VIEW_DESCRIPTIONS: dict[str, str] = {
    "studies": "One row per study: citation, design and the registry profile's characteristics.",
    "study_characteristics": "Each characteristic value a study gives, with the source it was read from.",
    "arms": (
        "One row per arm of a study: role, label, and numbers randomised and analysed with their sources."
    ),
    "outcome_results": "Each result a study reports for one arm (events or mean, SD and n), with its source.",
    "alternative_results": "Values from other sources that disagree with the results used.",
    "two_by_two": "One 2x2 table per intervention-versus-control pair of a dichotomous result.",
    "continuous_results": (
        "Mean, SD and n of both arms per intervention-versus-control pair of a continuous result."
    ),
    "generic_results": (
        "Results given as effect estimates with standard errors (log scale for ratios), as in `pool --csv`."
    ),
    "missing_data": "What a study does not report: outcomes not reported, arm counts left empty and why.",
    "adverse_events": "Harms as the sources report them: per adverse event and arm, who had it, how "
    "serious, participants with the event and at risk, or the statement's quote, with its source.",
    "harm_selectors": "The profile's harm outcomes and which harms records (seriousness, who, terms) "
    "make them up.",
    "harm_matches": "Each harms record that fits a harm outcome of the profile, per arm.",
    "harm_results": "Each study's result for a harm outcome, read from the one harms record that fits it.",
    "harm_gaps": "Why a study's harms records give a harm outcome no 2x2: several records fit, or an arm "
    "lacks a count.",
    "risk_of_bias": (
        "Risk-of-bias judgements (RoB 2 or ROBINS-I) per study, outcome and domain, with support."
    ),
    "sources": "The sources (articles, registrations, reports) each study's values were read from.",
    "review_sources": "The sources each review's values were read from.",
    "reviews": "One row per published review: citation and its number of studies and participants.",
    "review_studies": "The studies each review includes, in the review's order.",
    "analyses": "Each analysis a review reports: outcome, subgroups, measure, method and model.",
    "printed_rows": "Each study row an imported analysis printed, as text and as numbers.",
    "claims": "Each pooled result a review prints, for `evireg audit` to recompute.",
    "study_outcome_2x2": "One 2x2 table per study and outcome, arms of the same role added together.",
    "pooled_mh_or": (
        "The Mantel-Haenszel odds ratio per outcome over the whole registry, as RevMan computes it."
    ),
    "extractions": "One row per valid double-extraction file: study, extractor and date.",
    "extraction_fields": "One row per non-null field of an extraction, keyed as `evireg compare` keys it.",
    "extraction_agreement": (
        "Per study and pair of extractors: fields compared, fields agreeing and the agreement rate."
    ),
    "adjudications": "Each adjudicated disagreement between extractors: what was chosen, by whom and why.",
}
