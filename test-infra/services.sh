#!/usr/bin/env bash
# Services the integration tests need, on their standard loopback ports.
#
#   test-infra/services.sh check     probe each service; with CI=true start what is down and fail
#                                    loudly if it still is; without CI only report
#
# Add a service by writing probe_<name> / start_<name> and listing it in SERVICES.
set -uo pipefail

SERVICES=(postgres rabbitmq celery)
WAIT_SECONDS="${SPECSTAR_SERVICE_WAIT:-30}"

# ---- PostgreSQL ------------------------------------------------------------------------------
PG_HOST="${SPECSTAR_PG_HOST:-127.0.0.1}"
PG_PORT="${SPECSTAR_PG_PORT:-5432}"

describe_postgres() { echo "PostgreSQL on ${PG_HOST}:${PG_PORT}"; }

probe_postgres() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2
  else
    tcp_open "$PG_HOST" "$PG_PORT"
  fi
}

start_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [[ ! -d /etc/postgresql ]]; then
    echo "  no pg_ctlcluster / /etc/postgresql here: cannot start PostgreSQL" >&2
    return 1
  fi
  local version
  for version in $(ls /etc/postgresql); do
    echo "  starting cluster ${version}/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
}

# ---- RabbitMQ ---------------------------------------------------------------------------------
AMQP_HOST="${SPECSTAR_AMQP_HOST:-127.0.0.1}"
AMQP_PORT="${SPECSTAR_AMQP_PORT:-5672}"

describe_rabbitmq() { echo "RabbitMQ on ${AMQP_HOST}:${AMQP_PORT}"; }

probe_rabbitmq() { tcp_open "$AMQP_HOST" "$AMQP_PORT"; }

start_rabbitmq() {
  if command -v rabbitmqctl >/dev/null 2>&1 && rabbitmqctl -q status >/dev/null 2>&1; then
    echo "  node is up, starting the RabbitMQ application"
    rabbitmqctl -q start_app || true
  elif command -v rabbitmq-server >/dev/null 2>&1; then
    echo "  starting rabbitmq-server -detached"
    rabbitmq-server -detached || true
  else
    echo "  no rabbitmq-server here: cannot start RabbitMQ" >&2
    return 1
  fi
}

# ---- Python Celery (interop tests of @specstar/mq-celery) ----------------------------------------
# Debian's python3-celery lives in Debian's Python: always /usr/bin/python3.
describe_celery() { echo "Python Celery (/usr/bin/python3 -m celery)"; }

probe_celery() { /usr/bin/python3 -c 'import celery' >/dev/null 2>&1; }

start_celery() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "  no apt-get here: cannot install python3-celery" >&2
    return 1
  fi
  echo "  installing python3-celery (apt-get)"
  apt-get install -y -q python3-celery >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q python3-celery >/dev/null 2>&1; }
}

# ---- helpers -------------------------------------------------------------------------------------
tcp_open() {
  # bash's /dev/tcp: no client tools needed
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" >/dev/null 2>&1
}

wait_for() {
  local name="$1" waited=0
  while ! "probe_${name}"; do
    if (( waited >= WAIT_SECONDS )); then return 1; fi
    sleep 1
    waited=$((waited + 1))
  done
}

check() {
  local failed=0 name
  for name in "${SERVICES[@]}"; do
    local what
    what="$("describe_${name}")"
    if "probe_${name}"; then
      echo "ok    ${what}"
      continue
    fi
    if [[ "${CI:-}" != "true" ]]; then
      echo "down  ${what} (not CI: its integration tests will be skipped with a message)"
      continue
    fi
    echo "down  ${what}: CI=true, trying to start it"
    "start_${name}"
    if wait_for "$name"; then
      echo "ok    ${what} (started)"
    else
      echo "" >&2
      echo "!!!!! ${what} is DOWN and could not be started. CI integration tests never skip: failing." >&2
      echo "" >&2
      failed=1
    fi
  done
  return "$failed"
}

case "${1:-}" in
  check) check ;;
  *)
    echo "usage: $0 check" >&2
    exit 2
    ;;
esac
