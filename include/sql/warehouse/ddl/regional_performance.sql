-- Mart: one row per calendar month and territory.
CREATE TABLE IF NOT EXISTS {{ schema }}.regional_performance (
    month                 VARCHAR(7)    NOT NULL,
    territory             VARCHAR(128)  NOT NULL,
    sales_amount      DECIMAL(18,2),
    refund_amount     DECIMAL(18,2),
    items_sold        BIGINT,
    items_refunded    BIGINT,
    restocking_fees   DECIMAL(18,2),
    net_amount        DECIMAL(18,2),
    transactions      BIGINT,
    unique_customers      BIGINT,
    avg_sale_value        DECIMAL(18,2),
    share_of_month_sales  DECIMAL(9,4),
    PRIMARY KEY (month, territory)
);
