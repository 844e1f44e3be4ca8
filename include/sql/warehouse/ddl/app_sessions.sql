-- Sessions from the clickstream: pages in order, duration, page views, scroll depth.
CREATE TABLE IF NOT EXISTS {{ schema }}.app_sessions (
    session_id        VARCHAR(64)    NOT NULL PRIMARY KEY,
    user_id           VARCHAR(32),
    session_start     TIMESTAMP,
    session_end       TIMESTAMP,
    duration_seconds  BIGINT,
    page_views        BIGINT,
    avg_scroll_depth  DECIMAL(5,2),
    page_sequence     VARCHAR(4096)
);
