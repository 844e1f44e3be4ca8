-- Mart: one row per calendar month and territory.
CREATE TABLE IF NOT EXISTS {{ schema }}.regional_performance (
    month                 VARCHAR(7)    NOT NULL,
    territory             VARCHAR(128)  NOT NULL,
{% include "ddl/_sales_measures.sql" %},
    unique_customers      BIGINT,
    avg_sale_value        DECIMAL(18,2),
    share_of_month_sales  DECIMAL(9,4),
    PRIMARY KEY (month, territory)
);
