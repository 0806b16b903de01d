-- Each study's overall risk-of-bias judgement of one outcome, shown beside a pooled answer. A study
-- assessed with both tools shows its RoB 2 judgement (the tool for randomised results).
SELECT outcome, study_id, tool, judgement
FROM risk_of_bias
WHERE domain = 'overall' AND outcome = $outcome
ORDER BY study_id, tool;
