-- Redshift overlay of ddl/latest_summary.sql (same columns and order). JSON arrays stay text
-- (JSON_PARSE them into SUPER in a view when needed); distributed and sorted by account.
CREATE TABLE IF NOT EXISTS {{ schema }}.latest_summary (
    account_key              BIGINT       NOT NULL PRIMARY KEY ENCODE az64,
    report_month             VARCHAR(7)   ENCODE bytedict,
    base_ts                  TIMESTAMP    ENCODE az64,
    customer_id              BIGINT       ENCODE az64,
    account_type             VARCHAR(64)  ENCODE bytedict,
    open_date                DATE         ENCODE az64,
    branch_code              VARCHAR(64)  ENCODE bytedict,
    balance_history          VARCHAR(4096) ENCODE zstd,
    credit_limit_history     VARCHAR(4096) ENCODE zstd,
    payment_amount_history   VARCHAR(4096) ENCODE zstd,
    past_due_amount_history  VARCHAR(4096) ENCODE zstd,
    days_past_due_history    VARCHAR(4096) ENCODE zstd,
    payment_rating_history   VARCHAR(4096) ENCODE zstd,
    asset_class_history      VARCHAR(4096) ENCODE zstd,
    payment_history_grid     VARCHAR(64) ENCODE zstd,
    asset_class_grid         VARCHAR(64) ENCODE zstd
)
DISTKEY (account_key)
SORTKEY (account_key);
