-- Replace the index's record (registry_hash, format, evireg version, the registry's resolved
-- location) in one statement.
DELETE FROM meta;
INSERT INTO meta VALUES ('registry_hash', $registry_hash), ('format', $format), ('evireg', $version),
  ('root', $root);
