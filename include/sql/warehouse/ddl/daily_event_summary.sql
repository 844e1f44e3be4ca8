-- Per day: valid events, active users (new and returning) and purchases.
CREATE TABLE IF NOT EXISTS {{ schema }}.daily_event_summary (
    event_date       DATE           NOT NULL PRIMARY KEY,
    events           BIGINT,
    active_users     BIGINT,
    new_users        BIGINT,
    returning_users  BIGINT,
    purchases        BIGINT
);
