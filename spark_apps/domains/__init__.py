"""Domain code: what a domain's declarations (``config/domains/<domain>/``) cannot say in YAML or SQL.

Platform modules (``spark_apps/*.py``) name no domain's tables; a domain's package holds its pure
DataFrame -> DataFrame transforms: a declared model's ``transform:`` is a function of
``spark_apps.domains.<domain>``.
"""
