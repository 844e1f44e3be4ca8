-- Bank account dimension (SCD2): one row per version of an account's type, balance and status.
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_bank_account (
    account_sk      BIGINT        NOT NULL PRIMARY KEY,
    account_id      VARCHAR(64),
    account_type    VARCHAR(64),
    balance         DECIMAL(18,2),
    status          VARCHAR(64),
    customer_id     VARCHAR(64),
    opened_date     DATE,
    attr_hash       VARCHAR(64),
    valid_from      DATE          NOT NULL,
    valid_to        DATE          NOT NULL,
    is_current      BOOLEAN       NOT NULL
);
