-- Redshift overlay of ddl/regional_performance.sql (same columns and order): small, replicated.
CREATE TABLE IF NOT EXISTS {{ schema }}.regional_performance (
    month                 VARCHAR(7)    NOT NULL ENCODE raw,
    territory             VARCHAR(128)  NOT NULL ENCODE bytedict,
    sales_amount      DECIMAL(18,2) ENCODE az64,
    refund_amount     DECIMAL(18,2) ENCODE az64,
    items_sold        BIGINT        ENCODE az64,
    items_refunded    BIGINT        ENCODE az64,
    restocking_fees   DECIMAL(18,2) ENCODE az64,
    net_amount        DECIMAL(18,2) ENCODE az64,
    transactions      BIGINT        ENCODE az64,
    unique_customers      BIGINT        ENCODE az64,
    avg_sale_value        DECIMAL(18,2) ENCODE az64,
    share_of_month_sales  DECIMAL(9,4)  ENCODE az64,
    PRIMARY KEY (month, territory)
)
DISTSTYLE ALL
COMPOUND SORTKEY (month, territory);
