-- Mart: total spent and value segment per customer (current attributes); customer_key -1 gathers the
-- transactions of unknown customers.
CREATE TABLE IF NOT EXISTS {{ schema }}.customer_segments (
    customer_key         BIGINT        NOT NULL PRIMARY KEY,
    customer_id          BIGINT,
    first_name           VARCHAR(256),
    last_name            VARCHAR(256),
    territory            VARCHAR(128),
    total_spent          DECIMAL(18,2),
    sales_amount         DECIMAL(18,2),
    refund_amount        DECIMAL(18,2),
    transactions         BIGINT,
    first_purchase_date  DATE,
    last_purchase_date   DATE,
    segment              VARCHAR(16)
);
