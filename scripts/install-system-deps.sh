#!/usr/bin/env bash
# Installs, from Debian's packages, everything faultline's full test suite needs beyond Node and npm, and starts
# a Docker engine when none runs. Idempotent: installs only what is missing. Run as root (or with sudo).
#   core:        redis-server, a JDK 17 and Maven (Kafka from Maven Central jars), Go (Toxiproxy via go install)
#   report test: chromium (test/report-browser.test.ts drives Debian's build with playwright-core)
#   docker tests: docker.io (dockerd), debootstrap (offline base images), docker-compose (docker-compose.yml)
# .ci/run calls it; `npm test` names it when it skipped a suite for lack of one of these.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: run as root: sudo bash $0" >&2
  exit 2
fi

need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v java >/dev/null || need_apt+=(openjdk-17-jdk-headless)
# javac compiles the H2O launcher and the MOJO scorer (infra/h2o/java).
command -v javac >/dev/null || need_apt+=(openjdk-17-jdk-headless)
# Maven fetches Kafka's and H2O's jars and builds the Storm topology (engines/storm/java) and the Flink job
# (engines/flink/java).
command -v mvn >/dev/null || need_apt+=(maven)
command -v go >/dev/null || need_apt+=(golang-go)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
command -v docker-compose >/dev/null || need_apt+=(docker-compose)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
else
  echo "== system packages: all present"
fi

# A Docker engine for the docker provider's tests; without one they are skipped (they say why).
if command -v dockerd >/dev/null && ! docker info >/dev/null 2>&1; then
  echo "== starting dockerd (log: /tmp/faultline-dockerd.log)"
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  nohup dockerd >/tmp/faultline-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  if ! docker info >/dev/null 2>&1; then
    echo "dockerd did not start; see /tmp/faultline-dockerd.log"
    tail -20 /tmp/faultline-dockerd.log
  fi
fi
