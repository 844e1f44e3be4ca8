-- After a full export: delete the target rows whose keys the export lacks, so the table equals the
-- export. Shared by every target; runs in the load's transaction, before the MERGE.
DELETE FROM {{ target }}
WHERE NOT EXISTS (
    SELECT 1 FROM {{ staging }} AS s
    WHERE {% for k in keys %}s.{{ k }} = {{ target }}.{{ k }}{% if not loop.last %} AND {% endif %}{% endfor %}
);
