-- Transaction fact at one row per transaction; *_key columns reference the dimensions (-1: unknown member).
CREATE TABLE IF NOT EXISTS {{ schema }}.fact_transactions (
    transaction_id    VARCHAR(64)   NOT NULL PRIMARY KEY,
    date_key          INTEGER       NOT NULL,
    customer_key      BIGINT        NOT NULL,
    product_key       BIGINT        NOT NULL,
    customer_id       BIGINT,
    product_id        VARCHAR(64),
    transaction_date  DATE,
    territory         VARCHAR(128),
    quantity          INTEGER,
    amount            DECIMAL(12,2),
    transaction_type  VARCHAR(16),
    restocking_fee    DECIMAL(12,2),
    net_amount        DECIMAL(12,2),
    is_large_order    BOOLEAN,
    source_batch_id   VARCHAR(128)
);
