-- Customer dimension, SCD2: one row per version, [valid_from, valid_to) never overlapping per customer_id
-- (portable types; see redshift/ for the distribution overlay).
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_customer (
    customer_key   BIGINT       NOT NULL PRIMARY KEY,
    customer_id    BIGINT,
    first_name     VARCHAR(256),
    last_name      VARCHAR(256),
    email          VARCHAR(512),
    country        VARCHAR(64),
    territory      VARCHAR(128),
    signup_date    DATE,
    attr_hash      VARCHAR(64),
    valid_from     DATE,
    valid_to       DATE,
    is_current     BOOLEAN
);
