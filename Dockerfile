# The Airflow 3.3.0 image with this project installed from its lock file: every Airflow service
# in docker-compose.yml runs this one image, so scheduler, dag-processor and workers agree.
FROM apache/airflow:3.3.0-python3.11
USER root
COPY --chown=airflow:root . /opt/antq
USER airflow
WORKDIR /opt/antq
RUN pip install --no-cache-dir uv==0.13.8 \
 && uv export --frozen --no-dev --no-hashes --no-emit-project -o /tmp/requirements.txt \
 && uv pip install --system --no-cache -r /tmp/requirements.txt \
 && uv pip install --system --no-cache --no-deps -e /opt/antq
ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/antq/dags
