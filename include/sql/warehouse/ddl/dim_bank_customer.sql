-- Bank customer dimension (SCD2): one row per version; -1 is the unknown member.
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_bank_customer (
    customer_sk     BIGINT        NOT NULL PRIMARY KEY,
    customer_id     VARCHAR(64),
    full_name       VARCHAR(256),
    email           VARCHAR(256),
    city            VARCHAR(64),
    segment         VARCHAR(64),
    customer_since  DATE,
    attr_hash       VARCHAR(64),
    valid_from      DATE          NOT NULL,
    valid_to        DATE          NOT NULL,
    is_current      BOOLEAN       NOT NULL
);
