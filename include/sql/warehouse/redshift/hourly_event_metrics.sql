-- Redshift overlay of ddl/hourly_event_metrics.sql (same columns and order).
CREATE TABLE IF NOT EXISTS {{ schema }}.hourly_event_metrics (
    event_date            DATE          ENCODE az64,
    event_hour            TIMESTAMP     NOT NULL ENCODE az64,
    event_type            VARCHAR(32)   NOT NULL ENCODE bytedict,
    app_type              VARCHAR(16)   NOT NULL ENCODE bytedict,
    events                BIGINT        ENCODE az64,
    users                 BIGINT        ENCODE az64,
    errors                BIGINT        ENCODE az64,
    avg_response_time_ms  DECIMAL(10,2) ENCODE az64,
    PRIMARY KEY (event_hour, event_type, app_type)
)
DISTKEY (event_hour)
SORTKEY (event_hour);
