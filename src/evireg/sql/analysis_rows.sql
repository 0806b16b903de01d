-- Every complete 2x2 of one outcome, with the source each count was read from.
SELECT t.study_id, t.subgroup_variable, t.subgroup_value, t.arm_treat, t.arm_ctrl,
       t.events_treat, t.total_treat, t.events_ctrl, t.total_ctrl, t.source_id, t.locator,
       t.derivation, t.year, src.kind AS source_kind, src.pmid AS source_pmid, src.doi AS source_doi,
       src.url AS source_url, src.citation AS source_citation, t.outcome
FROM two_by_two t
LEFT JOIN sources src ON src.study_id = t.study_id AND src.source_id = t.source_id
WHERE t.outcome = $outcome
ORDER BY t.study_id, t.subgroup_variable NULLS FIRST, t.subgroup_value, t.arm_treat, t.arm_ctrl;
