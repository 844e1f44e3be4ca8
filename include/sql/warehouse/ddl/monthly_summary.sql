-- Mart: one row per calendar month (YYYY-MM); refunds as positive amounts.
CREATE TABLE IF NOT EXISTS {{ schema }}.monthly_summary (
    month             VARCHAR(7)    NOT NULL PRIMARY KEY,
{% include "ddl/_sales_measures.sql" %},
    unique_customers  BIGINT
);
