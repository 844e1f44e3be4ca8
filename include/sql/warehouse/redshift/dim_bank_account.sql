-- Redshift overlay of ddl/dim_bank_account.sql (same columns and order).
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_bank_account (
    account_sk      BIGINT        NOT NULL PRIMARY KEY ENCODE az64,
    account_id      VARCHAR(16)   ENCODE zstd,
    account_type    VARCHAR(64)   ENCODE bytedict,
    balance         DECIMAL(18,2) ENCODE az64,
    status          VARCHAR(16)   ENCODE bytedict,
    customer_id     VARCHAR(16)   ENCODE zstd,
    opened_date     DATE          ENCODE az64,
    attr_hash       VARCHAR(64)   ENCODE zstd,
    valid_from      DATE          NOT NULL ENCODE az64,
    valid_to        DATE          NOT NULL ENCODE az64,
    is_current      BOOLEAN       NOT NULL
)
DISTKEY (account_id)
SORTKEY (account_id, valid_from);
