{#- The DDL of a table with no ddl/<table>.sql: its export's columns and types, its merge keys as the
    primary key (Redshift: distributed on the first key and sorted by the keys). -#}
-- Generated from the export of {{ table }} (no ddl/{{ table }}.sql).
CREATE TABLE IF NOT EXISTS {{ schema }}.{{ table }} (
{%- for name, type, is_key in columns %}
    {{ name }} {{ type }}{% if is_key %} NOT NULL{% endif %},
{%- endfor %}
    PRIMARY KEY ({{ keys | join(', ') }})
){% if dialect == 'redshift' %}
DISTKEY ({{ keys[0] }})
SORTKEY ({{ keys | join(', ') }}){% endif %};
