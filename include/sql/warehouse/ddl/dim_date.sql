-- Date dimension: one row per calendar date (date_key yyyymmdd) with fiscal attributes; -1 is unknown.
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_date (
    date_key        INTEGER      NOT NULL PRIMARY KEY,
    calendar_date   DATE,
    year            INTEGER,
    quarter         INTEGER,
    month           INTEGER,
    month_name      VARCHAR(16),
    day_of_month    INTEGER,
    day_of_week     INTEGER,
    day_name        VARCHAR(16),
    is_weekend      BOOLEAN,
    week_of_year    INTEGER,
    fiscal_year     INTEGER,
    fiscal_quarter  INTEGER,
    fiscal_month    INTEGER,
    fiscal_week     INTEGER
);
