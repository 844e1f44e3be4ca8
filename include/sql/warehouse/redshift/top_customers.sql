-- Redshift overlay of ddl/top_customers.sql (same columns and order): a handful of rows, replicated.
CREATE TABLE IF NOT EXISTS {{ schema }}.top_customers (
    customer_rank  INTEGER       NOT NULL PRIMARY KEY ENCODE raw,
    customer_key   BIGINT        ENCODE az64,
    customer_id    BIGINT        ENCODE az64,
    first_name     VARCHAR(256)  ENCODE zstd,
    last_name      VARCHAR(256)  ENCODE zstd,
    territory      VARCHAR(128)  ENCODE bytedict,
    total_spent    DECIMAL(18,2) ENCODE az64,
    segment        VARCHAR(16)   ENCODE bytedict
)
DISTSTYLE ALL
SORTKEY (customer_rank);
