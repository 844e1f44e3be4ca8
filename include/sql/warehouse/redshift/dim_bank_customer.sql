-- Redshift overlay of ddl/dim_bank_customer.sql (same columns and order): small, replicated to every node.
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_bank_customer (
    customer_sk     BIGINT        NOT NULL PRIMARY KEY ENCODE az64,
    customer_id     VARCHAR(16)   ENCODE zstd,
    full_name       VARCHAR(256)  ENCODE zstd,
    email           VARCHAR(256)  ENCODE zstd,
    city            VARCHAR(64)   ENCODE bytedict,
    segment         VARCHAR(64)   ENCODE bytedict,
    customer_since  DATE          ENCODE az64,
    attr_hash       VARCHAR(64)   ENCODE zstd,
    valid_from      DATE          NOT NULL ENCODE az64,
    valid_to        DATE          NOT NULL ENCODE az64,
    is_current      BOOLEAN       NOT NULL
)
DISTSTYLE ALL
SORTKEY (customer_id, valid_from);
