-- Redshift overlay of ddl/account_interest_summary.sql (same columns and order).
CREATE TABLE IF NOT EXISTS {{ schema }}.account_interest_summary (
    account_id               VARCHAR(16)   NOT NULL PRIMARY KEY ENCODE zstd,
    customer_id              VARCHAR(16)   ENCODE zstd,
    original_balance_amount  DECIMAL(18,2) ENCODE az64,
    interest_rate_pct        DECIMAL(5,2)  ENCODE az64,
    annual_interest_amount   DECIMAL(18,2) ENCODE az64,
    new_balance_amount       DECIMAL(18,2) ENCODE az64,
    calculated_at            TIMESTAMP     ENCODE az64
)
DISTKEY (account_id)
SORTKEY (account_id);
