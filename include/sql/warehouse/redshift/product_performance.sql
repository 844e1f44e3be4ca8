-- Redshift overlay of ddl/product_performance.sql (same columns and order): small, replicated.
CREATE TABLE IF NOT EXISTS {{ schema }}.product_performance (
    territory       VARCHAR(128)  NOT NULL ENCODE bytedict,
    product_key     BIGINT        NOT NULL ENCODE az64,
    product_id      VARCHAR(64)   ENCODE zstd,
    product_name    VARCHAR(256)  ENCODE zstd,
    product_family  VARCHAR(128)  ENCODE bytedict,
    revenue         DECIMAL(18,2) ENCODE az64,
    units_sold      BIGINT        ENCODE az64,
    net_amount      DECIMAL(18,2) ENCODE az64,
    revenue_rank    INTEGER       ENCODE az64,
    gap_to_best     DECIMAL(18,2) ENCODE az64,
    PRIMARY KEY (territory, product_key)
)
DISTSTYLE ALL
COMPOUND SORTKEY (territory, revenue_rank);
