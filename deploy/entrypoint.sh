#!/bin/sh
# The image's entry point: the first argument names the service, the rest go to it.
#   takashi gateway | takashi aggregator | takashi ingestor binance | takashi keys create --name x
set -eu
app="${TAKASHI_HOME:-/app}"
service="${1:-gateway}"
[ "$#" -gt 0 ] && shift
case "$service" in
  gateway | aggregator | ingestor) ;;
  # the API key command of spec §6 (pnpm keys outside the image)
  keys) exec node "$app/services/gateway/src/keys-cli.js" "$@" ;;
  *)
    echo "takashi: unknown service '$service' (expected gateway, aggregator, ingestor or keys)" >&2
    exit 64
    ;;
esac
# exec: node replaces the shell, so the orchestrator's SIGTERM reaches it directly
exec node "$app/services/$service/src/main.js" "$@"
