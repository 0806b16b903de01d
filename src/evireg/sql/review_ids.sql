-- Every review in the registry, by id.
SELECT review_id FROM reviews ORDER BY review_id;
