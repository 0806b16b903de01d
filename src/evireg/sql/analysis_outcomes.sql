-- Every outcome any review analyses (for reading all their rows at once).
SELECT DISTINCT outcome FROM analyses ORDER BY outcome;
