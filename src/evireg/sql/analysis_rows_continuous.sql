-- Every complete continuous comparison of one outcome (mean, SD and n per arm), with its source.
SELECT t.study_id, t.subgroup_variable, t.subgroup_value, t.arm_treat, t.arm_ctrl,
       t.mean_treat, t.sd_treat, t.n_treat, t.mean_ctrl, t.sd_ctrl, t.n_ctrl, t.values_kind,
       t.source_id, t.locator, t.derivation, t.year, src.kind AS source_kind, src.pmid AS source_pmid,
       src.doi AS source_doi, src.url AS source_url, src.citation AS source_citation, t.outcome
FROM continuous_results t
LEFT JOIN sources src ON src.study_id = t.study_id AND src.source_id = t.source_id
WHERE t.outcome = $outcome
ORDER BY t.study_id, t.subgroup_variable NULLS FIRST, t.subgroup_value, t.arm_treat, t.arm_ctrl;
