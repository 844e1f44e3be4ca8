-- Redshift overlay of ddl/dim_date.sql (same columns and order): small, replicated, sorted by date.
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_date (
    date_key        INTEGER      NOT NULL PRIMARY KEY ENCODE az64,
    calendar_date   DATE         ENCODE az64,
    year            INTEGER      ENCODE az64,
    quarter         INTEGER      ENCODE az64,
    month           INTEGER      ENCODE az64,
    month_name      VARCHAR(16)  ENCODE bytedict,
    day_of_month    INTEGER      ENCODE az64,
    day_of_week     INTEGER      ENCODE az64,
    day_name        VARCHAR(16)  ENCODE bytedict,
    is_weekend      BOOLEAN      ENCODE raw,
    week_of_year    INTEGER      ENCODE az64,
    fiscal_year     INTEGER      ENCODE az64,
    fiscal_quarter  INTEGER      ENCODE az64,
    fiscal_month    INTEGER      ENCODE az64,
    fiscal_week     INTEGER      ENCODE az64
)
DISTSTYLE ALL
SORTKEY (date_key);
