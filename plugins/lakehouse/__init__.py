"""Airflow-side building blocks shared by the DAGs: Spark task factory, assets, warehouse loading.

Nothing here imports pyspark: DAG files must parse in well under a second.
"""
