-- Per hour: error rate, average and p95 response time, health status.
CREATE TABLE IF NOT EXISTS {{ schema }}.hourly_operational_metrics (
    event_hour            TIMESTAMP      NOT NULL PRIMARY KEY,
    events                BIGINT,
    errors                BIGINT,
    error_rate            DECIMAL(6,4),
    avg_response_time_ms  DECIMAL(10,2),
    p95_response_time_ms  DECIMAL(10,2),
    health_status         VARCHAR(16)
);
