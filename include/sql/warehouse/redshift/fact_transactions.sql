-- Redshift overlay of ddl/fact_transactions.sql: same columns and order (COPY FORMAT AS PARQUET maps by
-- position), distributed on the customer join key, sorted by date for range-restricted scans.
CREATE TABLE IF NOT EXISTS {{ schema }}.fact_transactions (
    transaction_id    VARCHAR(64)   NOT NULL PRIMARY KEY ENCODE zstd,
    date_key          INTEGER       NOT NULL ENCODE az64,
    customer_key      BIGINT        NOT NULL ENCODE az64,
    product_key       BIGINT        NOT NULL ENCODE az64,
    customer_id       BIGINT        ENCODE az64,
    product_id        VARCHAR(64)   ENCODE bytedict,
    transaction_date  DATE          ENCODE az64,
    territory         VARCHAR(128)  ENCODE bytedict,
    quantity          INTEGER       ENCODE az64,
    amount            DECIMAL(12,2) ENCODE az64,
    transaction_type  VARCHAR(16)   ENCODE bytedict,
    restocking_fee    DECIMAL(12,2) ENCODE az64,
    net_amount        DECIMAL(12,2) ENCODE az64,
    is_large_order    BOOLEAN       ENCODE raw,
    source_batch_id   VARCHAR(128)  ENCODE zstd
)
DISTKEY (customer_key)
COMPOUND SORTKEY (transaction_date, customer_key);
