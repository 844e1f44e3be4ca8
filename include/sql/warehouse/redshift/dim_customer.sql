-- Redshift overlay of ddl/dim_customer.sql: same columns and order (COPY FORMAT AS PARQUET maps by position),
-- a small dimension replicated to every node, sorted by natural key and version start.
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_customer (
    customer_key   BIGINT       NOT NULL PRIMARY KEY ENCODE az64,
    customer_id    BIGINT       ENCODE az64,
    first_name     VARCHAR(256) ENCODE zstd,
    last_name      VARCHAR(256) ENCODE zstd,
    email          VARCHAR(512) ENCODE zstd,
    country        VARCHAR(64)  ENCODE bytedict,
    territory      VARCHAR(128) ENCODE bytedict,
    signup_date    DATE         ENCODE az64,
    attr_hash      VARCHAR(64)  ENCODE zstd,
    valid_from     DATE         ENCODE az64,
    valid_to       DATE         ENCODE az64,
    is_current     BOOLEAN      ENCODE raw
)
DISTSTYLE ALL
COMPOUND SORTKEY (customer_id, valid_from);
