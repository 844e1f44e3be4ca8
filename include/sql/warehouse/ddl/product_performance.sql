-- Mart: revenue per territory and product, its rank in the territory and the gap to the best.
CREATE TABLE IF NOT EXISTS {{ schema }}.product_performance (
    territory       VARCHAR(128)  NOT NULL,
    product_key     BIGINT        NOT NULL,
    product_id      VARCHAR(64),
    product_name    VARCHAR(256),
    product_family  VARCHAR(128),
    revenue         DECIMAL(18,2),
    units_sold      BIGINT,
    net_amount      DECIMAL(18,2),
    revenue_rank    INTEGER,
    gap_to_best     DECIMAL(18,2),
    PRIMARY KEY (territory, product_key)
);
