-- Redshift overlay of ddl/app_sessions.sql (same columns and order).
CREATE TABLE IF NOT EXISTS {{ schema }}.app_sessions (
    session_id        VARCHAR(64)   NOT NULL PRIMARY KEY ENCODE zstd,
    user_id           VARCHAR(32)   ENCODE zstd,
    session_start     TIMESTAMP     ENCODE az64,
    session_end       TIMESTAMP     ENCODE az64,
    duration_seconds  BIGINT        ENCODE az64,
    page_views        BIGINT        ENCODE az64,
    avg_scroll_depth  DECIMAL(5,2)  ENCODE az64,
    page_sequence     VARCHAR(4096) ENCODE zstd
)
DISTKEY (user_id)
SORTKEY (session_start);
