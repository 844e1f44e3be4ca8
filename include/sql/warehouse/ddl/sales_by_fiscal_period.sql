-- Mart: one row per fiscal week, month or quarter (period_type); fiscal_year -1 holds dates the
-- fiscal calendar lacks.
CREATE TABLE IF NOT EXISTS {{ schema }}.sales_by_fiscal_period (
    period_type       VARCHAR(8)    NOT NULL,
    fiscal_year       INTEGER       NOT NULL,
    fiscal_period     INTEGER       NOT NULL,
    sales_amount      DECIMAL(18,2),
    refund_amount     DECIMAL(18,2),
    items_sold        BIGINT,
    items_refunded    BIGINT,
    restocking_fees   DECIMAL(18,2),
    net_amount        DECIMAL(18,2),
    transactions      BIGINT,
    PRIMARY KEY (period_type, fiscal_year, fiscal_period)
);
