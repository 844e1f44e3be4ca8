"""Data quality: declarative check suites (``config/domains/<domain>/quality``) evaluated by PyDeequ or
a native Spark engine with the same semantics, a row-level split into valid and quarantined rows, layer
thresholds, results in ``ops.quality_results``, anomaly detection on metric history, and JSON + HTML reports."""
