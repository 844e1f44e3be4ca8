-- Engagement score, behavioural segment and churn risk per app user.
CREATE TABLE IF NOT EXISTS {{ schema }}.app_user_segments (
    user_id                VARCHAR(32)    NOT NULL PRIMARY KEY,
    engagement_score       BIGINT,
    segment                VARCHAR(16),
    days_since_last_event  INTEGER,
    churn_risk             VARCHAR(8)
);
