#!/bin/sh
# Starts one Kafka KRaft node (broker + controller) for faultline, with the settings that infra/local's
# startKafka writes: replication factors of 1, small internal topics, no initial rebalance delay.
#
# Listeners: INTERNAL 0.0.0.0:9092 advertised as $FL_KAFKA_INTERNAL_HOST:9092 (containers on the docker
# network), EXTERNAL 0.0.0.0:$FL_KAFKA_EXTERNAL_PORT advertised as $FL_KAFKA_EXTERNAL_HOST:$FL_KAFKA_EXTERNAL_PORT
# (the host, through a port published 1:1), CONTROLLER on loopback 9093.
# Data in /var/lib/kafka-data: formatted once, so `docker restart` keeps the cluster id and the topics.
set -eu

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

cat >"$CONFIG" <<PROPERTIES
# written by faultline's kafka-entry.sh: single KRaft broker+controller
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=INTERNAL://0.0.0.0:9092,EXTERNAL://0.0.0.0:${EXTERNAL_PORT},CONTROLLER://127.0.0.1:9093
advertised.listeners=INTERNAL://${INTERNAL_HOST}:9092,EXTERNAL://${EXTERNAL_HOST}:${EXTERNAL_PORT}
controller.listener.names=CONTROLLER
listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=INTERNAL
log.dirs=${LOG_DIR}
num.partitions=${PARTITIONS}
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
transaction.abort.timed.out.transaction.cleanup.interval.ms=5000
transaction.remove.expired.transaction.cleanup.interval.ms=60000
log.retention.hours=24
num.network.threads=2
num.io.threads=4
PROPERTIES

cat >"$LOG4J" <<'LOG4J'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
LOG4J

if [ ! -f "$LOG_DIR/meta.properties" ]; then
  # A random base64url 16-byte UUID, as `kafka-storage.sh random-uuid` prints, without starting a JVM for it.
  CLUSTER_ID=${FL_KAFKA_CLUSTER_ID:-$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')}
  java -cp "$LIBS/*" "-Dlog4j.configuration=file:$LOG4J" kafka.tools.StorageTool format \
    -t "$CLUSTER_ID" -c "$CONFIG" --ignore-formatted
fi

exec java "-Xmx$HEAP" "-Xms$HEAP" -XX:+UseSerialGC -Djava.awt.headless=true \
  "-Dlog4j.configuration=file:$LOG4J" -cp "$LIBS/*" kafka.Kafka "$CONFIG"
