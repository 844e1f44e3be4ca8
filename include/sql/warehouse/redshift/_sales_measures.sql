    -- the sales measures every sales mart carries (included by its DDL)
    sales_amount      DECIMAL(18,2) ENCODE az64,
    refund_amount     DECIMAL(18,2) ENCODE az64,
    items_sold        BIGINT        ENCODE az64,
    items_refunded    BIGINT        ENCODE az64,
    restocking_fees   DECIMAL(18,2) ENCODE az64,
    net_amount        DECIMAL(18,2) ENCODE az64,
    transactions      BIGINT        ENCODE az64
