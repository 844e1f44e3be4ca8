-- App users: first and last seen, sessions, events and event types (events domain).
CREATE TABLE IF NOT EXISTS {{ schema }}.dim_app_user (
    user_id                VARCHAR(32)    NOT NULL PRIMARY KEY,
    first_seen             TIMESTAMP,
    last_seen              TIMESTAMP,
    sessions               BIGINT,
    events                 BIGINT,
    event_types            BIGINT,
    days_since_last_event  INTEGER
);
