#!/bin/sh
# Container entry point.
#   rasa [extra `rasa run` args]     Rasa on $RASA_PORT (5005): REST, socket.io, Slack channels;
#                                    tracker/lock stores from TRACKER_STORE_URL / REDIS_URL
#                                    (bot/rasa_ext/stores.py), CORS origins from ALLOWED_ORIGINS.
#   actions                          the action server on $ACTIONS_PORT (5055).
#   anything else                    run as is (e.g. `sh`).
set -eu
cd /app
command="${1:-rasa}"
[ "$#" -gt 0 ] && shift
case "$command" in
  rasa)
    set -f  # the default CORS origin is a regex: no globbing of it
    # shellcheck disable=SC2046
    exec python -m bot.cli rasa run --model models/faq.tar.gz --port "${RASA_PORT:-5005}" \
      --credentials credentials.yml --endpoints endpoints.yml \
      --cors $(python -c 'from bot.channels.widget.origins import cors_origins; print(" ".join(cors_origins()))') "$@"
    ;;
  actions)
    exec python -m bot.cli actions --port "${ACTIONS_PORT:-5055}" "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
