-- Replace the stored registry profile (JSON) with the one the index is built from.
DELETE FROM t_profile;
INSERT INTO t_profile VALUES ($profile);
DELETE FROM t_harm_selectors;
INSERT INTO t_harm_selectors
WITH o AS (SELECT unnest(from_json(json(profile) -> 'outcomes', '["JSON"]')) AS o FROM t_profile)
SELECT o ->> 'id' AS outcome,
       coalesce(from_json(o -> 'harm' -> 'seriousness', '["VARCHAR"]'), []) AS seriousness,
       coalesce(from_json(o -> 'harm' -> 'who', '["VARCHAR"]'), []) AS who,
       coalesce(from_json(o -> 'harm' -> 'terms', '["VARCHAR"]'), []) AS terms
FROM o
WHERE json_type(o -> 'harm') = 'OBJECT';
