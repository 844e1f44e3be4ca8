-- A year's interest on each open savings account at its balance band's rate (config/domains/banking).
CREATE TABLE IF NOT EXISTS {{ schema }}.account_interest_summary (
    account_id               VARCHAR(16)   NOT NULL PRIMARY KEY,
    customer_id              VARCHAR(16),
    original_balance_amount  DECIMAL(18,2),
    interest_rate_pct        DECIMAL(5,2),
    annual_interest_amount   DECIMAL(18,2),
    new_balance_amount       DECIMAL(18,2),
    calculated_at            TIMESTAMP
);
