package dev.faultline.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faultline.flink.Records.Featured;
import dev.faultline.flink.Records.Input;
import dev.faultline.flink.Records.Scored;
import dev.faultline.workloads.LinearModel;
import dev.faultline.workloads.TitanicFeatures;
import dev.faultline.workloads.TransactionFeatures;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * faultline's Flink job (issue 21): KafkaSource → keyBy(key) → features (per-card state in Flink's keyed state,
 * snapshotted by its checkpoints) → score (the workload's linear model) → KafkaSink. exactly-once: aligned
 * EXACTLY_ONCE checkpoints and the transactional (two-phase-commit) sink, whose output becomes visible when the
 * checkpoint completes; at-least-once: AT_LEAST_ONCE checkpoints (no alignment) and plain sink writes, flushed
 * at every checkpoint. On a failure Flink restarts every task from the latest completed checkpoint and the
 * source seeks to the offsets stored in it.
 *
 * Submitted over REST (/jars/:id/run) with one program argument: the job's JSON config written by the adapter
 * (engines/flink/cluster.ts jobConfig).
 */
public final class FaultlineJob {
  static final ObjectMapper JSON = new ObjectMapper();

  private FaultlineJob() {}

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

  /** Kafka input record (core/types.ts InputRecord) → Input, stamped with the read time. */
  static final class InputSchema implements KafkaRecordDeserializationSchema<Input> {
    private static final long serialVersionUID = 1L;
    private transient ObjectMapper json;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Input> out) throws IOException {
      if (json == null) json = new ObjectMapper();
      long readUs = nowUs();
      JsonNode in = json.readTree(record.value());
      Input i = new Input();
      i.id = in.path("id").asLong();
      i.key = in.path("key").asText();
      i.t = in.path("t").asLong();
      i.r = readUs;
      i.body = in.path("body").toString();
      out.collect(i);
    }

    @Override
    public TypeInformation<Input> getProducedType() {
      return TypeInformation.of(Input.class);
    }
  }

  static Featured featured(Input in, double[] features) {
    Featured f = new Featured();
    f.id = in.id;
    f.key = in.key;
    f.t = in.t;
    f.r = in.r;
    f.features = features;
    return f;
  }

  /** The features operator of `transactions`: the card's state in Flink's keyed state, restored on failover. */
  static final class TransactionsStep extends KeyedProcessFunction<String, Input, Featured> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<TransactionFeatures.CardState> card;
    private transient ObjectMapper json;

    @Override
    public void open(OpenContext context) {
      card = getRuntimeContext().getState(new ValueStateDescriptor<>("card", TransactionFeatures.CardState.class));
      json = new ObjectMapper();
    }

    @Override
    public void processElement(Input in, Context ctx, Collector<Featured> out) throws IOException {
      JsonNode b = json.readTree(in.body);
      var tx = TransactionFeatures.parse(b.path("card").asText(), b.path("eventTime").asDouble(),
          b.path("amount").asDouble(), b.path("merchant").asText());
      var step = TransactionFeatures.step(card.value(), tx);
      card.update(step.state());
      out.collect(featured(in, step.features()));
    }
  }

  /** The features operator of `titanic`: the ticket's state in Flink's keyed state, restored on failover. */
  static final class TitanicStep extends KeyedProcessFunction<String, Input, Featured> {
    private static final long serialVersionUID = 1L;
    private final TitanicFeatures.Params params;
    private transient ValueState<TitanicFeatures.TicketState> ticket;
    private transient ObjectMapper json;

    TitanicStep(TitanicFeatures.Params params) {
      this.params = params;
    }

    @Override
    public void open(OpenContext context) {
      ticket = getRuntimeContext().getState(new ValueStateDescriptor<>("ticket", TitanicFeatures.TicketState.class));
      json = new ObjectMapper();
    }

    @Override
    public void processElement(Input in, Context ctx, Collector<Featured> out) throws IOException {
      var step = TitanicFeatures.step(ticket.value(), TitanicFeatures.parse(json.readTree(in.body)), params);
      ticket.update(step.state());
      out.collect(featured(in, step.features()));
    }
  }

  /** The workload's features operator. */
  static KeyedProcessFunction<String, Input, Featured> featuresOf(String workload, String modelPath) throws IOException {
    return switch (workload) {
      case "transactions" -> new TransactionsStep();
      case "titanic" -> new TitanicStep(TitanicFeatures.Params.read(JSON.readTree(new File(modelPath)).path("params")));
      default -> throw new IllegalArgumentException("no Java port of the workload " + workload);
    };
  }

  /** The score operator: the workload's linear model on the feature vector. */
  static final class Score extends RichMapFunction<Featured, Scored> {
    private static final long serialVersionUID = 1L;
    private final LinearModel model;

    Score(LinearModel model) {
      this.model = model;
    }

    @Override
    public Scored map(Featured f) {
      Scored s = new Scored();
      s.id = f.id;
      s.key = f.key;
      s.t = f.t;
      s.r = f.r;
      s.score = model.score(f.features);
      return s;
    }
  }

  /** Scored → the output record JSON every engine writes (clients/kafka.ts outputMessages), keyed by the input key. */
  static final class OutputSchema implements KafkaRecordSerializationSchema<Scored> {
    private static final long serialVersionUID = 1L;
    private final String topic;
    private transient ObjectMapper json;

    OutputSchema(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(Scored s, KafkaSinkContext context, Long timestamp) {
      if (json == null) json = new ObjectMapper();
      var out = json.createObjectNode();
      out.put("id", s.id);
      out.put("key", s.key);
      out.put("t", s.t);
      out.put("score", s.score);
      out.put("r", s.r);
      out.put("w", nowUs());
      return new ProducerRecord<>(topic, s.key.getBytes(StandardCharsets.UTF_8),
          out.toString().getBytes(StandardCharsets.UTF_8));
    }
  }

  public static void main(String[] args) throws Exception {
    JsonNode c = JSON.readTree(new File(args[0]));
    boolean exactlyOnce = "exactly-once".equals(c.path("guarantee").asText());
    JsonNode p = c.path("parallelism");
    String bootstrap = c.path("bootstrap").asText();
    long interval = c.path("checkpointIntervalMs").asLong();

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setBufferTimeout(c.path("bufferTimeoutMs").asLong());
    if (interval > 0) {
      env.enableCheckpointing(interval, exactlyOnce ? CheckpointingMode.EXACTLY_ONCE : CheckpointingMode.AT_LEAST_ONCE);
      var cp = env.getCheckpointConfig();
      cp.setCheckpointTimeout(c.path("checkpointTimeoutMs").asLong());
      cp.setMinPauseBetweenCheckpoints(c.path("minPauseMs").asLong());
      cp.setTolerableCheckpointFailureNumber(c.path("tolerableFailedCheckpoints").asInt());
      cp.setMaxConcurrentCheckpoints(1);
    }

    KafkaSource<Input> source = KafkaSource.<Input>builder()
        .setBootstrapServers(bootstrap)
        .setTopics(c.path("inputTopic").asText())
        .setGroupId(c.path("groupId").asText())
        .setClientIdPrefix(c.path("groupId").asText())
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(new InputSchema())
        .build();

    var sink = KafkaSink.<Scored>builder()
        .setBootstrapServers(bootstrap)
        .setRecordSerializer(new OutputSchema(c.path("outputTopic").asText()))
        .setDeliveryGuarantee(exactlyOnce ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
        .setTransactionalIdPrefix(c.path("transactionalIdPrefix").asText())
        // At most the broker's transaction.max.timeout.ms, or the producer is refused.
        .setProperty("transaction.timeout.ms", c.path("transactionTimeoutMs").asText())
        .build();

    LinearModel model = LinearModel.read(c.path("modelPath").asText(), c.path("workload").asText());

    env.fromSource(source, WatermarkStrategy.noWatermarks(), "source")
        .uid("source").setParallelism(p.path("source").asInt(1))
        .keyBy(input -> input.key, TypeInformation.of(String.class))
        .process(featuresOf(c.path("workload").asText(), c.path("modelPath").asText())).name("features").uid("features").setParallelism(p.path("features").asInt(1))
        .map(new Score(model)).name("score").uid("score").setParallelism(p.path("score").asInt(1))
        .sinkTo(sink).name("sink").uid("sink").setParallelism(p.path("sink").asInt(1));
    env.execute(c.path("jobName").asText());
  }
}
