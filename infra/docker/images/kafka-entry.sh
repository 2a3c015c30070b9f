#!/bin/sh
# Starts one Kafka KRaft node (broker + controller) for faultline, with the settings of kafka-server.properties
# beside this script, which infra/local's startKafka uses too: replication factors of 1, small internal topics,
# no initial rebalance delay.
#
# Listeners: INTERNAL 0.0.0.0:9092 advertised as $FL_KAFKA_INTERNAL_HOST:9092 (containers on the docker
# network), EXTERNAL 0.0.0.0:$FL_KAFKA_EXTERNAL_PORT advertised as $FL_KAFKA_EXTERNAL_HOST:$FL_KAFKA_EXTERNAL_PORT
# (the host, through a port published 1:1), CONTROLLER on loopback 9093.
# Data in /var/lib/kafka-data: formatted once, so `docker restart` keeps the cluster id and the topics.
set -eu

HERE=$(dirname "$0")
LIBS=${FL_KAFKA_LIBS:-/opt/kafka/libs}
DATA=${FL_KAFKA_DATA_DIR:-/var/lib/kafka-data}
INTERNAL_HOST=${FL_KAFKA_INTERNAL_HOST:-kafka}
EXTERNAL_HOST=${FL_KAFKA_EXTERNAL_HOST:-127.0.0.1}
EXTERNAL_PORT=${FL_KAFKA_EXTERNAL_PORT:-29092}
HEAP=${FL_KAFKA_HEAP:-512m}
PARTITIONS=${FL_KAFKA_PARTITIONS:-2}

if ! ls "$LIBS"/kafka_2.13-*.jar >/dev/null 2>&1; then
  echo "kafka-entry: no kafka_2.13 jar in $LIBS (set FL_KAFKA_LIBS)" >&2
  exit 1
fi

LOG_DIR=$DATA/log
CONFIG_DIR=$DATA/config
mkdir -p "$LOG_DIR" "$CONFIG_DIR"
CONFIG=$CONFIG_DIR/server.properties
LOG4J=$CONFIG_DIR/log4j.properties

# The settings: kafka-server.properties (shared with infra/local/services.ts), listeners filled in here.
sed -e "s|@CONTROLLER_PORT@|9093|" \
  -e "s|@LISTENERS@|INTERNAL://0.0.0.0:9092,EXTERNAL://0.0.0.0:${EXTERNAL_PORT},CONTROLLER://127.0.0.1:9093|" \
  -e "s|@ADVERTISED_LISTENERS@|INTERNAL://${INTERNAL_HOST}:9092,EXTERNAL://${EXTERNAL_HOST}:${EXTERNAL_PORT}|" \
  -e "s|@PROTOCOL_MAP@|INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT|" \
  -e "s|@INTER_BROKER_LISTENER@|INTERNAL|" \
  -e "s|@LOG_DIRS@|${LOG_DIR}|" \
  -e "s|@PARTITIONS@|${PARTITIONS}|" \
  "$HERE/kafka-server.properties" >"$CONFIG"
cp "$HERE/kafka-log4j.properties" "$LOG4J"

if [ ! -f "$LOG_DIR/meta.properties" ]; then
  # A random base64url 16-byte UUID, as `kafka-storage.sh random-uuid` prints, without starting a JVM for it;
  # like Kafka's, never one starting with '-' (the tool would read it as an option), and passed with '=' anyway.
  CLUSTER_ID=${FL_KAFKA_CLUSTER_ID:-}
  while [ -z "${FL_KAFKA_CLUSTER_ID:-}" ] && { [ -z "$CLUSTER_ID" ] || [ "${CLUSTER_ID#-}" != "$CLUSTER_ID" ]; }; do
    CLUSTER_ID=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  done
  java -cp "$LIBS/*" "-Dlog4j.configuration=file:$LOG4J" kafka.tools.StorageTool format \
    "--cluster-id=$CLUSTER_ID" -c "$CONFIG" --ignore-formatted
fi

exec java "-Xmx$HEAP" "-Xms$HEAP" -XX:+UseSerialGC -Djava.awt.headless=true \
  "-Dlog4j.configuration=file:$LOG4J" -cp "$LIBS/*" kafka.Kafka "$CONFIG"
