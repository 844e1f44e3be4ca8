-- Redshift overlay of ddl/customer_segments.sql (same columns and order): one row per customer,
-- distributed like the customer dimension's key.
CREATE TABLE IF NOT EXISTS {{ schema }}.customer_segments (
    customer_key         BIGINT        NOT NULL PRIMARY KEY ENCODE az64,
    customer_id          BIGINT        ENCODE az64,
    first_name           VARCHAR(256)  ENCODE zstd,
    last_name            VARCHAR(256)  ENCODE zstd,
    territory            VARCHAR(128)  ENCODE bytedict,
    total_spent          DECIMAL(18,2) ENCODE az64,
    sales_amount         DECIMAL(18,2) ENCODE az64,
    refund_amount        DECIMAL(18,2) ENCODE az64,
    transactions         BIGINT        ENCODE az64,
    first_purchase_date  DATE          ENCODE az64,
    last_purchase_date   DATE          ENCODE az64,
    segment              VARCHAR(16)   ENCODE bytedict
)
DISTKEY (customer_key)
SORTKEY (segment);
