package dev.faultline.kstreams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.faultline.workloads.LinearModel;
import dev.faultline.workloads.OrphanGuard;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * faultline's Kafka Streams app (issue 21), one instance per JVM: input topic → features (the key's state in the
 * changelogged state store `state`, read and written per record) → score (the workload's linear model) → output
 * topic, all in one sub-topology, so task 0_p processes input partition p end to end. exactly-once =
 * `exactly_once_v2` (the output, the changelog and the input offsets in one transaction per commit interval);
 * at-least-once = `at_least_once`. The group coordinator is the broker: a dead instance's tasks move to the
 * others when its session times out.
 *
 * For the adapter (engines/kafka-streams/cluster.ts) it prints one JSON object per line on stdout (`{"fl": kind,
 * "at": µs, ...}`): the client's state changes (the state listener; with the active tasks on RUNNING), each task's
 * processor init/close, state restores, and uncaught errors; Kafka's log goes to stderr. An orphan guard halts
 * the JVM when stdin closes (the runner died). Usage: FaultlineStreams <config.json> (cluster.ts appConfig).
 */
public final class FaultlineStreams {
  private FaultlineStreams() {}

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

  static final String STORE = "state";

  /** One event line for the adapter. */
  static void event(String kind, ObjectNode fields) {
    ObjectNode line = KeyState.JSON.createObjectNode();
    line.put("fl", kind);
    line.put("at", nowUs());
    line.setAll(fields);
    System.out.println(line);
  }

  static ObjectNode fields() {
    return KeyState.JSON.createObjectNode();
  }

  /** What the features operator hands the score operator (in the same task: never serialized). */
  record Featured(long id, String key, long t, long r, double[] features) {}

  /** What the score operator hands the sink. */
  record Scored(long id, String key, long t, long r, double score) {}

  /** The features operator: the key's state from the store, the workload's step, the new state back. */
  static final class Features implements Processor<String, String, String, Featured> {
    private final KeyState step;
    private ProcessorContext<String, Featured> context;
    private KeyValueStore<String, byte[]> store;

    Features(KeyState step) {
      this.step = step;
    }

    @Override
    public void init(ProcessorContext<String, Featured> context) {
      this.context = context;
      this.store = context.getStateStore(STORE);
      event("task", fields().put("event", "init").put("task", context.taskId().toString()));
    }

    @Override
    public void process(Record<String, String> record) {
      long readUs = nowUs();
      try {
        JsonNode in = KeyState.JSON.readTree(record.value());
        String key = in.path("key").asText();
        var result = step.step(store.get(key), in.path("body"));
        store.put(key, result.state());
        context.forward(record.withKey(key).withValue(
            new Featured(in.path("id").asLong(), key, in.path("t").asLong(), readUs, result.features())));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      event("task", fields().put("event", "close").put("task", context.taskId().toString()));
    }
  }

  /** The score operator: the workload's linear model on the feature vector. */
  static final class Score implements Processor<String, Featured, String, Scored> {
    private final LinearModel model;
    private ProcessorContext<String, Scored> context;

    Score(LinearModel model) {
      this.model = model;
    }

    @Override
    public void init(ProcessorContext<String, Scored> context) {
      this.context = context;
    }

    @Override
    public void process(Record<String, Featured> record) {
      Featured f = record.value();
      context.forward(record.withValue(new Scored(f.id(), f.key(), f.t(), f.r(), model.score(f.features()))));
    }
  }

  /** Scored → the output record JSON every engine writes (clients/kafka.ts outputMessages), stamped when written. */
  static final class OutputSerializer implements Serializer<Scored> {
    @Override
    public byte[] serialize(String topic, Scored s) {
      ObjectNode out = KeyState.JSON.createObjectNode();
      out.put("id", s.id());
      out.put("key", s.key());
      out.put("t", s.t());
      out.put("score", s.score());
      out.put("r", s.r());
      out.put("w", nowUs());
      return out.toString().getBytes(StandardCharsets.UTF_8);
    }
  }

  static Topology topology(JsonNode c) throws Exception {
    String workload = c.path("workload").asText();
    String modelPath = c.path("modelPath").asText();
    KeyState step = KeyState.of(workload, modelPath);
    LinearModel model = LinearModel.read(modelPath, workload);
    Topology t = new Topology();
    t.addSource("source", new StringDeserializer(), new StringDeserializer(), c.path("inputTopic").asText());
    t.addProcessor("features", () -> new Features(step), "source");
    t.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray()),
        "features");
    t.addProcessor("score", () -> new Score(model), "features");
    t.addSink("sink", c.path("outputTopic").asText(), new StringSerializer(), new OutputSerializer(), "score");
    return t;
  }

  static Properties properties(JsonNode c) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.path("applicationId").asText());
    p.put(StreamsConfig.CLIENT_ID_CONFIG, c.path("applicationId").asText() + "-" + c.path("instance").asText());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, c.path("bootstrap").asText());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        "exactly-once".equals(c.path("guarantee").asText()) ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
    p.put(StreamsConfig.STATE_DIR_CONFIG, c.path("stateDir").asText());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, c.path("threads").asInt(1));
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, c.path("commitIntervalMs").asLong());
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, c.path("standbyReplicas").asInt(0));
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), c.path("sessionTimeoutMs").asInt());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), c.path("heartbeatIntervalMs").asInt());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    return p;
  }

  static List<String> activeTasks(KafkaStreams streams) {
    List<String> tasks = new ArrayList<>();
    for (var thread : streams.metadataForLocalThreads())
      for (var task : thread.activeTasks()) tasks.add(task.taskId().toString());
    tasks.sort(null);
    return tasks;
  }

  public static void main(String[] args) throws Exception {
    OrphanGuard.haltWhenStdinCloses();

    JsonNode c = KeyState.JSON.readTree(new File(args[0]));
    KafkaStreams streams = new KafkaStreams(topology(c), properties(c));
    streams.setStateListener((to, from) -> {
      var line = fields().put("state", to.name()).put("from", from.name());
      if (to == KafkaStreams.State.RUNNING) {
        var active = line.putArray("active");
        for (String t : activeTasks(streams)) active.add(t);
      }
      event("state", line);
      if (to == KafkaStreams.State.ERROR) {
        // The client is dead: exit, so the supervisor (the adapter) starts a new instance.
        new Thread(() -> {
          streams.close(Duration.ofSeconds(5));
          Runtime.getRuntime().halt(3);
        }, "faultline-exit").start();
      }
    });
    streams.setUncaughtExceptionHandler(e -> {
      event("error", fields().put("error", e.toString()));
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.setGlobalStateRestoreListener(new StateRestoreListener() {
      @Override
      public void onRestoreStart(TopicPartition partition, String store, long start, long end) {
        event("restore", fields().put("event", "start").put("partition", partition.toString())
            .put("store", store).put("records", end - start));
      }

      @Override
      public void onBatchRestored(TopicPartition partition, String store, long end, long n) {}

      @Override
      public void onRestoreEnd(TopicPartition partition, String store, long total) {
        event("restore", fields().put("event", "end").put("partition", partition.toString())
            .put("store", store).put("records", total));
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(Duration.ofSeconds(10)), "faultline-stop"));
    streams.start();
  }
}
