-- Every public view with its columns, in declaration order.
SELECT c.table_name, c.column_name, c.data_type
FROM information_schema.columns c
JOIN information_schema.tables t USING (table_schema, table_name)
WHERE t.table_type = 'VIEW' AND c.table_schema = 'main'
ORDER BY c.table_name, c.ordinal_position;
