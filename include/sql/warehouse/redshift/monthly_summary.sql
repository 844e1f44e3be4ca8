-- Redshift overlay of ddl/monthly_summary.sql (same columns and order): tiny, replicated.
CREATE TABLE IF NOT EXISTS {{ schema }}.monthly_summary (
    month             VARCHAR(7)    NOT NULL PRIMARY KEY ENCODE raw,
{% include "redshift/_sales_measures.sql" %},
    unique_customers  BIGINT        ENCODE az64
)
DISTSTYLE ALL
SORTKEY (month);
