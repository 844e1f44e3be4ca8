-- Per current bank customer: open accounts, balances and a year's savings interest.
CREATE TABLE IF NOT EXISTS {{ schema }}.customer_profile (
    customer_id             VARCHAR(16)   NOT NULL PRIMARY KEY,
    customer_sk             BIGINT,
    full_name               VARCHAR(256),
    city                    VARCHAR(64),
    segment                 VARCHAR(64),
    customer_since          DATE,
    open_accounts           BIGINT,
    total_balance           DECIMAL(18,2),
    savings_balance         DECIMAL(18,2),
    annual_interest_amount  DECIMAL(18,2),
    first_account_opened    DATE
);
