-- Redshift overlay of ddl/hourly_operational_metrics.sql (same columns and order).
CREATE TABLE IF NOT EXISTS {{ schema }}.hourly_operational_metrics (
    event_hour            TIMESTAMP     NOT NULL PRIMARY KEY ENCODE az64,
    events                BIGINT        ENCODE az64,
    errors                BIGINT        ENCODE az64,
    error_rate            DECIMAL(6,4)  ENCODE az64,
    avg_response_time_ms  DECIMAL(10,2) ENCODE az64,
    p95_response_time_ms  DECIMAL(10,2) ENCODE az64,
    health_status         VARCHAR(16)   ENCODE bytedict
)
DISTSTYLE ALL
SORTKEY (event_hour);
