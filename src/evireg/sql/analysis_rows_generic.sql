-- Every effect estimate of one outcome (estimate and se on the analysis scale: log for ratio
-- measures), with its source.
SELECT t.study_id, t.subgroup_variable, t.subgroup_value, t.measure, t.estimate, t.se,
       t.estimate_natural, t.o_minus_e, t.variance, t.n_treat, t.n_ctrl, t.adjusted_for,
       t.source_id, t.locator, t.derivation, t.year, src.kind AS source_kind, src.pmid AS source_pmid,
       src.doi AS source_doi, src.url AS source_url, src.citation AS source_citation, t.outcome
FROM generic_results t
LEFT JOIN sources src ON src.study_id = t.study_id AND src.source_id = t.source_id
WHERE t.outcome = $outcome
ORDER BY t.study_id, t.subgroup_variable NULLS FIRST, t.subgroup_value;
