-- Why a study has no result for an outcome, as its file records it.
SELECT study_id, subgroup_variable, subgroup_value, reason, outcome
FROM missing_data
WHERE outcome = $outcome;
