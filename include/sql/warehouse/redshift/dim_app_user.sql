-- Redshift overlay of ddl/dim_app_user.sql (same columns and order).
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_app_user (
    user_id                VARCHAR(32)   NOT NULL PRIMARY KEY ENCODE zstd,
    first_seen             TIMESTAMP     ENCODE az64,
    last_seen              TIMESTAMP     ENCODE az64,
    sessions               BIGINT        ENCODE az64,
    events                 BIGINT        ENCODE az64,
    event_types            BIGINT        ENCODE az64,
    days_since_last_event  INTEGER       ENCODE az64
)
DISTKEY (user_id)
SORTKEY (user_id);
