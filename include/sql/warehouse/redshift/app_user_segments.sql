-- Redshift overlay of ddl/app_user_segments.sql (same columns and order).
CREATE TABLE IF NOT EXISTS {{ schema }}.app_user_segments (
    user_id                VARCHAR(32)   NOT NULL PRIMARY KEY ENCODE zstd,
    engagement_score       BIGINT        ENCODE az64,
    segment                VARCHAR(16)   ENCODE bytedict,
    days_since_last_event  INTEGER       ENCODE az64,
    churn_risk             VARCHAR(8)    ENCODE bytedict
)
DISTKEY (user_id)
SORTKEY (user_id);
