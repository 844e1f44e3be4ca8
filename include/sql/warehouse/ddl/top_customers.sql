-- Mart: the top N customers by total spent (N in config/domains/retail/rules.yaml).
CREATE TABLE IF NOT EXISTS {{ schema }}.top_customers (
    customer_rank  INTEGER       NOT NULL PRIMARY KEY,
    customer_key   BIGINT,
    customer_id    BIGINT,
    first_name     VARCHAR(256),
    last_name      VARCHAR(256),
    territory      VARCHAR(128),
    total_spent    DECIMAL(18,2),
    segment        VARCHAR(16)
);
