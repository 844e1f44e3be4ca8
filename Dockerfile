# Airflow 3.3.2 on Python 3.11 with Java 17 and the pinned stack (Spark 3.5.9; the JVM packages of
# config/jvm_packages.yaml resolved from Maven Central into the image at build time).
FROM apache/airflow:3.3.2-python3.11

USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 \
    SPARK_VERSION=3.5 \
    PIPELINE_HOME=/opt/airflow/project \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/airflow/project/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/airflow/project/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False

USER airflow
COPY --chown=airflow:root requirements.txt constraints.txt /opt/airflow/project/
RUN pip install --no-cache-dir -r /opt/airflow/project/requirements.txt -c /opt/airflow/project/constraints.txt

COPY --chown=airflow:root pyproject.toml /opt/airflow/project/
COPY --chown=airflow:root spark_apps /opt/airflow/project/spark_apps
COPY --chown=airflow:root dags /opt/airflow/project/dags
COPY --chown=airflow:root plugins /opt/airflow/project/plugins
COPY --chown=airflow:root include /opt/airflow/project/include
COPY --chown=airflow:root config /opt/airflow/project/config
WORKDIR /opt/airflow/project
RUN pip install --no-cache-dir --no-deps -e . && python -m spark_apps.archive dist/spark_apps.zip \
 && python -m spark_apps.jvm_deps
