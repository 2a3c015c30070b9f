package dev.faultline.storm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faultline.workloads.ModelFile;
import dev.faultline.workloads.OrphanGuard;
import java.io.File;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import org.apache.storm.Config;
import org.apache.storm.LocalCluster;
import org.apache.storm.StormSubmitter;
import org.apache.storm.generated.StormTopology;
import org.apache.storm.kafka.bolt.KafkaBolt;
import org.apache.storm.kafka.bolt.mapper.TupleToKafkaMapper;
import org.apache.storm.kafka.bolt.selector.DefaultTopicSelector;
import org.apache.storm.kafka.spout.FirstPollOffsetStrategy;
import org.apache.storm.kafka.spout.Func;
import org.apache.storm.kafka.spout.KafkaSpout;
import org.apache.storm.kafka.spout.KafkaSpoutConfig;
import org.apache.storm.kafka.spout.KafkaSpoutRetryExponentialBackoff;
import org.apache.storm.kafka.spout.KafkaSpoutRetryExponentialBackoff.TimeInterval;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.storm.topology.TopologyBuilder;
import org.apache.storm.tuple.Fields;
import org.apache.storm.tuple.Tuple;
import org.apache.storm.tuple.Values;

/**
 * faultline's Storm topology (issue 20, steps 0, 1 and 3): KafkaSpout → features (per-key state in Redis) →
 * score (the workload's linear model, or an H2O GBM's MOJO) → KafkaBolt, with storm-kafka-client's own processing guarantee,
 * retry back-off and offset commits. `main` runs it in a LocalCluster (one JVM: nimbus, a supervisor and
 * one worker in-process) until the JVM is killed; the TypeScript adapter (engines/storm/index.ts) is its
 * supervisor and restarts it, and the spout then resumes from the group's committed offsets.
 *
 * With `nimbusPort` in the config, `main` instead submits the topology to that cluster's nimbus (StormSubmitter,
 * the jar named by -Dstorm.jar) and exits: the cluster's supervisors run and relaunch its workers.
 *
 * Usage: FaultlineTopology <config.json> (fields: engines/storm/local-cluster.ts topologyConfig).
 */
public final class FaultlineTopology {
  static final ObjectMapper JSON = new ObjectMapper();

  private FaultlineTopology() {}

  /**
   * faultline's clock (core/clock.ts): the machine's monotonic clock (System.nanoTime is CLOCK_MONOTONIC on Linux, as
   * Node's process.hrtime) plus the epoch offset the harness fixed, which every process it starts inherits. Stamps
   * on it agree with the harness's after the wall clock was stepped (a paused virtual machine).
   */
  static final long CLOCK_OFFSET_US = Long.parseLong(Objects.requireNonNull(System.getenv("FAULTLINE_CLOCK_OFFSET_US"),
      "FAULTLINE_CLOCK_OFFSET_US is not set: faultline's harness sets it for every process it starts"));

  /** Microseconds since the Unix epoch on faultline's clock. */
  static long nowUs() {
    return System.nanoTime() / 1000 + CLOCK_OFFSET_US;
  }

  /** Kafka input record (core/types.ts InputRecord) → spout tuple (id, key, t, r, body). */
  static final class InputTranslator implements Func<ConsumerRecord<String, String>, List<Object>> {
    private static final long serialVersionUID = 1L;

    @Override
    public List<Object> apply(ConsumerRecord<String, String> record) {
      long readUs = nowUs();
      try {
        JsonNode in = JSON.readTree(record.value());
        return new Values(in.path("id").asLong(), in.path("key").asText(), in.path("t").asLong(), readUs,
            JSON.writeValueAsString(in.path("body")));
      } catch (Exception e) {
        throw new IllegalStateException("input record at offset " + record.offset() + " is not JSON", e);
      }
    }
  }

  /** Score tuple → the output record JSON the mini engines write (clients/kafka.ts outputMessages). */
  static final class OutputMapper implements TupleToKafkaMapper<String, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKeyFromTuple(Tuple tuple) {
      return tuple.getStringByField("key");
    }

    @Override
    public String getMessageFromTuple(Tuple tuple) {
      var out = JSON.createObjectNode();
      out.put("id", tuple.getLongByField("id"));
      out.put("key", tuple.getStringByField("key"));
      out.put("t", tuple.getLongByField("t"));
      out.put("score", tuple.getDoubleByField("score"));
      out.put("r", tuple.getLongByField("r"));
      out.put("w", nowUs());
      return out.toString();
    }
  }

  static StormTopology build(JsonNode c) throws Exception {
    boolean atLeastOnce = "at-least-once".equals(c.path("guarantee").asText());
    JsonNode p = c.path("parallelism");
    KafkaSpoutConfig<String, String> spoutConfig = KafkaSpoutConfig
        .builder(c.path("bootstrap").asText(), c.path("inputTopic").asText())
        .setProp("group.id", c.path("groupId").asText())
        .setProcessingGuarantee(atLeastOnce
            ? KafkaSpoutConfig.ProcessingGuarantee.AT_LEAST_ONCE
            : KafkaSpoutConfig.ProcessingGuarantee.AT_MOST_ONCE)
        .setOffsetCommitPeriodMs(c.path("commitIntervalMs").asLong())
        .setFirstPollOffsetStrategy(FirstPollOffsetStrategy.UNCOMMITTED_EARLIEST)
        .setRetry(new KafkaSpoutRetryExponentialBackoff(
            TimeInterval.milliSeconds(c.path("retryInitialDelayMs").asLong()),
            TimeInterval.milliSeconds(c.path("retryDelayPeriodMs").asLong()),
            c.path("maxRetries").isNull() ? Integer.MAX_VALUE : c.path("maxRetries").asInt(),
            TimeInterval.milliSeconds(c.path("retryMaxDelayMs").asLong())))
        .setRecordTranslator(new InputTranslator(), new Fields("id", "key", "t", "r", "body"))
        .setTupleListener(new SpoutEvents())
        .build();

    Properties producer = new Properties();
    producer.put("bootstrap.servers", c.path("bootstrap").asText());
    producer.put("acks", "all");
    producer.put("linger.ms", "5");
    producer.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    producer.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    KafkaBolt<String, String> sink = new KafkaBolt<String, String>()
        .withProducerProperties(producer)
        .withTopicSelector(new DefaultTopicSelector(c.path("outputTopic").asText()))
        .withTupleToKafkaMapper(new OutputMapper())
        .withProducerCallback(new Placement.SinkAnnouncer());

    ModelFile modelFile = ModelFile.read(c.path("modelPath").asText(), c.path("workload").asText());
    RedisJsonState workload = RedisJsonState.of(c.path("workload").asText(), modelFile.params());
    String statePrefix = "fl:" + c.path("runId").asText() + ":state:";

    TopologyBuilder b = new TopologyBuilder();
    b.setSpout("source", new KafkaSpout<>(spoutConfig), p.path("source").asInt(1));
    b.setBolt("features", new FeatureBolt(workload, c.path("redisHost").asText(), c.path("redisPort").asInt(), statePrefix,
        c.path("stateTimeoutMs").asInt()), p.path("features").asInt(1)).fieldsGrouping("source", new Fields("key"));
    b.setBolt("score", new ScoreBolt(modelFile.model()), p.path("score").asInt(1)).fieldsGrouping("features", new Fields("key"));
    b.setBolt("sink", sink, p.path("sink").asInt(1)).fieldsGrouping("score", new Fields("key"));
    return b.createTopology();
  }

  static Config stormConfig(JsonNode c) {
    boolean atLeastOnce = "at-least-once".equals(c.path("guarantee").asText());
    Config conf = new Config();
    // A cluster spreads the executors over this many worker JVMs (Storm's even scheduler); LocalCluster: one.
    conf.setNumWorkers(c.path("workers").asInt(1));
    if (c.has("ownerPid")) conf.put(Placement.OWNER_PID, c.path("ownerPid").asLong());
    // null: Storm's defaults (one acker per worker, max spout pending unbounded).
    conf.setNumAckers(atLeastOnce ? (c.path("ackers").isNull() ? 1 : c.path("ackers").asInt()) : 0);
    conf.setMessageTimeoutSecs(c.path("messageTimeoutS").asInt());
    if (!c.path("maxSpoutPending").isNull()) conf.setMaxSpoutPending(c.path("maxSpoutPending").asInt());
    conf.registerSerialization(double[].class);
    // Storm's own topology.* settings given with -o, as they are (Storm validates them at submission).
    c.path("topologyConf").properties().forEach(e -> {
      JsonNode v = e.getValue();
      Object value = v.isBoolean() ? (Object) v.asBoolean()
          : v.canConvertToInt() && v.isIntegralNumber() ? (Object) v.asInt()
          : v.isNumber() ? (Object) v.asDouble() : v.asText();
      conf.put(e.getKey(), value);
    });
    return conf;
  }

  public static void main(String[] args) throws Exception {
    JsonNode c = JSON.readTree(new File(args[0]));
    String name = "faultline-" + c.path("runId").asText();
    StormTopology topology = build(c);
    if (c.has("nimbusPort")) {
      Config conf = stormConfig(c);
      conf.put(Config.NIMBUS_SEEDS, List.of(c.path("nimbusHost").asText()));
      conf.put(Config.NIMBUS_THRIFT_PORT, c.path("nimbusPort").asInt());
      StormSubmitter.submitTopology(name, conf, topology);
      System.out.println("faultline-storm: submitted " + name);
      System.out.flush();
      System.exit(0);
    }
    LocalCluster cluster = new LocalCluster();
    // The adapter holds our stdin: when it goes away (the runner died), so do we, without waiting for a sweep.
    OrphanGuard.haltWhenStdinCloses();
    cluster.submitTopology(name, stormConfig(c), topology);
    // The adapter waits for this line (its `ready`).
    synchronized (System.out) {
      System.out.println("faultline-storm: submitted " + name);
      System.out.flush();
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
