-- Staging + MERGE, shared by every warehouse target (DuckDB, PostgreSQL 15+, Redshift).
-- Rendered by plugins/lakehouse/warehouse.py; runs inside the load's transaction. Written to Redshift's
-- grammar, the strictest of the three: no alias on the target (its columns are qualified by its name),
-- and both WHEN clauses (a table of key columns only updates its keys to themselves).
MERGE INTO {{ target }}
USING {{ staging }} AS s
ON {% for k in keys %}{{ target }}.{{ k }} = s.{{ k }}{% if not loop.last %} AND {% endif %}{% endfor %}
WHEN MATCHED THEN UPDATE SET {% for c in (updates or keys) %}{{ c }} = s.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
WHEN NOT MATCHED THEN INSERT ({{ columns | join(', ') }})
VALUES ({% for c in columns %}s.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %});
