-- The harms records (study, harm number) that fit one harm outcome, as harm_matches decides.
SELECT DISTINCT study_id, harm_no FROM harm_matches WHERE outcome = $outcome;
