-- Redshift overlay of ddl/sales_by_fiscal_period.sql (same columns and order): small, replicated.
CREATE TABLE IF NOT EXISTS {{ schema }}.sales_by_fiscal_period (
    period_type       VARCHAR(8)    NOT NULL ENCODE bytedict,
    fiscal_year       INTEGER       NOT NULL ENCODE az64,
    fiscal_period     INTEGER       NOT NULL ENCODE az64,
    sales_amount      DECIMAL(18,2) ENCODE az64,
    refund_amount     DECIMAL(18,2) ENCODE az64,
    items_sold        BIGINT        ENCODE az64,
    items_refunded    BIGINT        ENCODE az64,
    restocking_fees   DECIMAL(18,2) ENCODE az64,
    net_amount        DECIMAL(18,2) ENCODE az64,
    transactions      BIGINT        ENCODE az64,
    PRIMARY KEY (period_type, fiscal_year, fiscal_period)
)
DISTSTYLE ALL
COMPOUND SORTKEY (period_type, fiscal_year, fiscal_period);
