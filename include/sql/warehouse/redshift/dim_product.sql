-- Redshift overlay of ddl/dim_product.sql (same columns and order): small, replicated to every node.
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_product (
    product_key     BIGINT        NOT NULL PRIMARY KEY ENCODE az64,
    product_id      VARCHAR(64)   ENCODE zstd,
    product_name    VARCHAR(256)  ENCODE zstd,
    category        VARCHAR(128)  ENCODE bytedict,
    product_family  VARCHAR(128)  ENCODE bytedict,
    unit_price      DECIMAL(12,2) ENCODE az64,
    attr_hash       VARCHAR(64)   ENCODE zstd
)
DISTSTYLE ALL
SORTKEY (product_key);
