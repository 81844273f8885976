# Consent Desk: the bot alone, configured through environment variables.
#   docker build -t consent-desk .
#   docker run -p 3978:3978 -v consent-desk-data:/data -e TENANT_ID=... -e CLIENT_ID=... \
#     -e CLIENT_SECRET=... consent-desk

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# Build stage: the pinned runtime packages in a virtual environment, no build cache.
FROM ${PYTHON_IMAGE} AS packages
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --requirement /tmp/requirements.txt

# Runtime stage: the virtual environment and the code, run by an unprivileged user.
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=3978 \
    DATA_DIR=/data \
    LOG_FORMAT=json
RUN groupadd --system --gid 10001 consentdesk \
    && useradd --system --uid 10001 --gid consentdesk --home-dir /app --shell /usr/sbin/nologin consentdesk \
    && mkdir -p /data \
    && chown consentdesk:consentdesk /data
COPY --from=packages /opt/venv /opt/venv
WORKDIR /app
COPY app.py ./
COPY bot ./bot
COPY cards ./cards
COPY config ./config
COPY domain ./domain
# Without credentials the bot runs against the built-in sandbox tenant: a self-test.
COPY sandbox ./sandbox
USER consentdesk
VOLUME ["/data"]
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3978') + '/healthz', timeout=3)"
ENTRYPOINT ["python", "app.py"]
