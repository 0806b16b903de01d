-- Values other sources give for the site's studies' results, which the registry did not use.
SELECT * FROM alternative_results WHERE study_id IN (SELECT unnest($ids))
ORDER BY study_id, outcome, subgroup_value NULLS FIRST, alternative_no, role DESC, arm_id;
