-- Redshift overlay of ddl/regional_performance.sql (same columns and order): small, replicated.
CREATE TABLE IF NOT EXISTS {{ schema }}.regional_performance (
    month                 VARCHAR(7)    NOT NULL ENCODE raw,
    territory             VARCHAR(128)  NOT NULL ENCODE bytedict,
{% include "redshift/_sales_measures.sql" %},
    unique_customers      BIGINT        ENCODE az64,
    avg_sale_value        DECIMAL(18,2) ENCODE az64,
    share_of_month_sales  DECIMAL(9,4)  ENCODE az64,
    PRIMARY KEY (month, territory)
)
DISTSTYLE ALL
COMPOUND SORTKEY (month, territory);
