-- Product dimension (type 1): one row per product, family from config; -1 is the unknown member.
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_product (
    product_key     BIGINT        NOT NULL PRIMARY KEY,
    product_id      VARCHAR(64),
    product_name    VARCHAR(256),
    category        VARCHAR(128),
    product_family  VARCHAR(128),
    unit_price      DECIMAL(12,2),
    attr_hash       VARCHAR(64)
);
