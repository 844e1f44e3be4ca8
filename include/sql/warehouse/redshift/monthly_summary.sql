-- Redshift overlay of ddl/monthly_summary.sql (same columns and order): tiny, replicated.
CREATE TABLE IF NOT EXISTS {{ schema }}.monthly_summary (
    month             VARCHAR(7)    NOT NULL PRIMARY KEY ENCODE raw,
    sales_amount      DECIMAL(18,2) ENCODE az64,
    refund_amount     DECIMAL(18,2) ENCODE az64,
    items_sold        BIGINT        ENCODE az64,
    items_refunded    BIGINT        ENCODE az64,
    restocking_fees   DECIMAL(18,2) ENCODE az64,
    net_amount        DECIMAL(18,2) ENCODE az64,
    transactions      BIGINT        ENCODE az64,
    unique_customers  BIGINT        ENCODE az64
)
DISTSTYLE ALL
SORTKEY (month);
