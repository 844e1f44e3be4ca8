-- Mart: one row per fiscal week, month or quarter (period_type); fiscal_year -1 holds dates the
-- fiscal calendar lacks.
CREATE TABLE IF NOT EXISTS {{ schema }}.sales_by_fiscal_period (
    period_type       VARCHAR(8)    NOT NULL,
    fiscal_year       INTEGER       NOT NULL,
    fiscal_period     INTEGER       NOT NULL,
{% include "ddl/_sales_measures.sql" %},
    PRIMARY KEY (period_type, fiscal_year, fiscal_period)
);
