-- Valid app events per hour, event type and app type.
CREATE TABLE IF NOT EXISTS {{ schema }}.hourly_event_metrics (
    event_date            DATE,
    event_hour            TIMESTAMP      NOT NULL,
    event_type            VARCHAR(32)    NOT NULL,
    app_type              VARCHAR(16)    NOT NULL,
    events                BIGINT,
    users                 BIGINT,
    errors                BIGINT,
    avg_response_time_ms  DECIMAL(10,2),
    PRIMARY KEY (event_hour, event_type, app_type)
);
