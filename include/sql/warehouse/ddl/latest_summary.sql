-- The rolling account summary's newest month per account. Each *_history column is a JSON array of
-- 36 values, position 0 being report_month and null a month with no record; the grids are text.
CREATE TABLE IF NOT EXISTS {{ schema }}.latest_summary (
    account_key              BIGINT       NOT NULL PRIMARY KEY,
    report_month             VARCHAR(7),
    base_ts                  TIMESTAMP,
    customer_id              BIGINT,
    account_type             VARCHAR(64),
    open_date                DATE,
    branch_code              VARCHAR(64),
    balance_history          VARCHAR(4096),
    credit_limit_history     VARCHAR(4096),
    payment_amount_history   VARCHAR(4096),
    past_due_amount_history  VARCHAR(4096),
    days_past_due_history    VARCHAR(4096),
    payment_rating_history   VARCHAR(4096),
    asset_class_history      VARCHAR(4096),
    payment_history_grid     VARCHAR(64),
    asset_class_grid         VARCHAR(64)
);
