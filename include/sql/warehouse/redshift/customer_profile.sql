-- Redshift overlay of ddl/customer_profile.sql (same columns and order).
CREATE TABLE IF NOT EXISTS {{ schema }}.customer_profile (
    customer_id             VARCHAR(16)   NOT NULL PRIMARY KEY ENCODE zstd,
    customer_sk             BIGINT        ENCODE az64,
    full_name               VARCHAR(256)  ENCODE zstd,
    city                    VARCHAR(64)   ENCODE bytedict,
    segment                 VARCHAR(64)   ENCODE bytedict,
    customer_since          DATE          ENCODE az64,
    open_accounts           BIGINT        ENCODE az64,
    total_balance           DECIMAL(18,2) ENCODE az64,
    savings_balance         DECIMAL(18,2) ENCODE az64,
    annual_interest_amount  DECIMAL(18,2) ENCODE az64,
    first_account_opened    DATE          ENCODE az64
)
DISTKEY (customer_id)
SORTKEY (customer_id);
