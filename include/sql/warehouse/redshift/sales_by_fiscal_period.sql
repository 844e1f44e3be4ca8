-- Redshift overlay of ddl/sales_by_fiscal_period.sql (same columns and order): small, replicated.
CREATE TABLE IF NOT EXISTS {{ schema }}.sales_by_fiscal_period (
    period_type       VARCHAR(8)    NOT NULL ENCODE bytedict,
    fiscal_year       INTEGER       NOT NULL ENCODE az64,
    fiscal_period     INTEGER       NOT NULL ENCODE az64,
{% include "redshift/_sales_measures.sql" %},
    PRIMARY KEY (period_type, fiscal_year, fiscal_period)
)
DISTSTYLE ALL
COMPOUND SORTKEY (period_type, fiscal_year, fiscal_period);
