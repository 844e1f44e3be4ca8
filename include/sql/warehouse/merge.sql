-- Staging + MERGE, shared by every warehouse target (DuckDB, PostgreSQL 15+, Redshift).
-- Rendered by plugins/lakehouse/warehouse.py; runs inside the load's transaction.
MERGE INTO {{ target }} AS t
USING {{ staging }} AS s
ON {% for k in keys %}t.{{ k }} = s.{{ k }}{% if not loop.last %} AND {% endif %}{% endfor %}
{%- if updates %}
WHEN MATCHED THEN UPDATE SET {% for c in updates %}{{ c }} = s.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}
{%- endif %}
WHEN NOT MATCHED THEN INSERT ({{ columns | join(', ') }})
VALUES ({% for c in columns %}s.{{ c }}{% if not loop.last %}, {% endif %}{% endfor %});
