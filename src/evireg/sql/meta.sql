-- The index's own record: the content hash of the files it was built from, and its format.
SELECT key, value FROM meta;
