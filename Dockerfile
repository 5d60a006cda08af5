# One image for both processes, with the trained model baked in (no download at start):
#   Rasa (default):   docker run -p 5005:5005 -e TRACKER_STORE_URL=... -e REDIS_URL=... IMAGE
#   action server:    docker run IMAGE actions            (see deploy/entrypoint.sh)
# Build after `make train` (models/ is git-ignored; the model must exist in the build context):
#   make train && docker build -t acne-faq-bot .

# The chat widget (bot/channels/widget/dist, git-ignored) is built here, as `make setup` does.
FROM node:20-slim AS widget
WORKDIR /web
COPY bot/channels/widget/package.json bot/channels/widget/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY bot/channels/widget/ ./
RUN npm run --silent build

FROM python:3.10-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    MPLCONFIGDIR=/tmp/.matplotlib \
    TF_CPP_MIN_LOG_LEVEL=2

WORKDIR /app

# Dependencies first (cached while only code or the model change); test/lint tools are left out.
COPY requirements.txt constraints.txt ./
RUN grep -vE '^(pytest|pytest-timeout|ruff|playwright)([<>=~ ].*)?$' requirements.txt > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt -c constraints.txt \
 && rm /tmp/requirements.txt

# The code, then the spaCy pipeline built from it (no model download: lookup tables from a package).
COPY bot/ bot/
COPY --from=widget /web/dist/ bot/channels/widget/dist/
COPY actions/ actions/
COPY config.yml domain.yml endpoints.yml credentials.yml ./
RUN python -m bot.knowledge.nlp

# The trained Rasa model, baked in.
COPY models/faq.tar.gz models/faq.tar.gz
COPY deploy/entrypoint.sh /usr/local/bin/entrypoint.sh

RUN useradd --create-home --uid 1001 rasa && mkdir -p var && chown -R rasa /app
USER 1001

EXPOSE 5005 5055
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["rasa"]
