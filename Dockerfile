# syntax=docker/dockerfile:1
# taskcore server image: `taskcore serve`, `taskcore worker` and `taskcore migrate`.
# Build: docker build -t taskcore .      Run: see compose.yaml and docs/deployment.md.

ARG PYTHON_VERSION=3.12

# -- build: the wheel of this project and of every dependency the server needs -------------
FROM python:${PYTHON_VERSION}-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m pip wheel --no-cache-dir --wheel-dir /wheels ".[server]"

# -- run: the wheels installed, nothing else; a user without a login or a home to write ----
FROM python:${PYTHON_VERSION}-slim AS run
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TASKCORE_DATA_DIR=/data \
    TASKCORE_LOG_FORMAT=json
RUN groupadd --system --gid 10001 taskcore \
    && useradd --system --uid 10001 --gid taskcore --no-create-home \
       --shell /usr/sbin/nologin taskcore \
    && mkdir -p /data/files \
    && chown -R taskcore:taskcore /data \
    && chmod 0700 /data
COPY --from=build /wheels /wheels
# Exactly the wheels built above: taskcore and what its server extra needs, pinned by the build.
RUN python -m pip install --no-cache-dir --no-index /wheels/*.whl \
    && rm -rf /wheels
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# No curl in the image: the probe is Python's own HTTP client against /livez.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["taskcore"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
