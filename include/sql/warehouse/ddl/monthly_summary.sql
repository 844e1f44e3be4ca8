-- Mart: one row per calendar month (YYYY-MM); refunds as positive amounts.
CREATE TABLE IF NOT EXISTS {{ schema }}.monthly_summary (
    month             VARCHAR(7)    NOT NULL PRIMARY KEY,
    sales_amount      DECIMAL(18,2),
    refund_amount     DECIMAL(18,2),
    items_sold        BIGINT,
    items_refunded    BIGINT,
    restocking_fees   DECIMAL(18,2),
    net_amount        DECIMAL(18,2),
    transactions      BIGINT,
    unique_customers  BIGINT
);
