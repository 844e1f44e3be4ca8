-- Redshift overlay of ddl/daily_event_summary.sql (same columns and order).
CREATE TABLE IF NOT EXISTS {{ schema }}.daily_event_summary (
    event_date       DATE          NOT NULL PRIMARY KEY ENCODE az64,
    events           BIGINT        ENCODE az64,
    active_users     BIGINT        ENCODE az64,
    new_users        BIGINT        ENCODE az64,
    returning_users  BIGINT        ENCODE az64,
    purchases        BIGINT        ENCODE az64
)
DISTSTYLE ALL
SORTKEY (event_date);
