-- Every outcome that some of the reviews analyse (for reading all their rows at once).
SELECT DISTINCT outcome FROM analyses WHERE review_id IN (SELECT unnest($reviews)) ORDER BY outcome;
