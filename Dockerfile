# The Airflow 3.3.0 image with this project installed from its lock file: every Airflow service
# in docker-compose.yml runs this one image, so scheduler, dag-processor and workers agree.
# The Data Docs' browser libraries (docs_assets/package-lock.json), so the pages need no internet.
FROM node:20-bookworm-slim AS docs-assets
WORKDIR /docs_assets
COPY docs_assets/package.json docs_assets/package-lock.json docs_assets/.npmrc ./
RUN npm ci

FROM apache/airflow:3.3.0-python3.11
USER root
COPY --chown=airflow:root . /opt/antq
COPY --from=docs-assets --chown=airflow:root /docs_assets/node_modules /opt/antq/docs_assets/node_modules
USER airflow
WORKDIR /opt/antq
RUN pip install --no-cache-dir uv==0.13.8 \
 && uv export --frozen --no-dev --no-hashes --no-emit-project -o /tmp/requirements.txt \
 && uv pip install --system --no-cache --compile-bytecode -r /tmp/requirements.txt \
 && uv pip install --system --no-cache --no-deps -e /opt/antq
ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/antq/dags
