    -- the sales measures every sales mart carries (included by its DDL)
    sales_amount      DECIMAL(18,2),
    refund_amount     DECIMAL(18,2),
    items_sold        BIGINT,
    items_refunded    BIGINT,
    restocking_fees   DECIMAL(18,2),
    net_amount        DECIMAL(18,2),
    transactions      BIGINT
