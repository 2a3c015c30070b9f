package dev.faultline.storm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faultline.workloads.TitanicFeatures;
import dev.faultline.workloads.TransactionFeatures;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A workload's features operator over its per-key state as the TypeScript engines keep it in Redis
 * (`fl:<runId>:state:<key>`, plain JSON: engines/runtime/redis-state.ts), around the shared Java port
 * (engines/jvm-workloads). transactions: {count, total, lastTime, days: [[day, spend]], recent: [t]};
 * titanic: {passengers: [id]}.
 */
public interface RedisJsonState extends Serializable {
  /** The stored state (null: a key never seen) and the Kafka body → the state to store and the features. */
  Result step(String stored, JsonNode body) throws IOException;

  record Result(String state, double[] features) {}

  ObjectMapper JSON = new ObjectMapper();

  /** The adapter of `workload`; `params` are the model artefact's (titanic's medians). */
  static RedisJsonState of(String workload, JsonNode params) {
    return switch (workload) {
      case "transactions" -> new Transactions();
      case "titanic" -> new Titanic(TitanicFeatures.Params.read(params));
      default -> throw new IllegalArgumentException("no Java port of the workload " + workload);
    };
  }

  /** The workloads with a port here. */
  List<String> WORKLOADS = List.of("transactions", "titanic");

  /** transactions.ts CardState as JSON. */
  final class StoredCard {
    public long count;
    public double total;
    public double lastTime;
    public List<double[]> days = new ArrayList<>();
    public List<Double> recent = new ArrayList<>();
  }

  final class Transactions implements RedisJsonState {
    private static final long serialVersionUID = 1L;

    @Override
    public Result step(String stored, JsonNode b) throws IOException {
      var tx = TransactionFeatures.parse(b.path("card").asText(), b.path("eventTime").asDouble(),
          b.path("amount").asDouble(), b.path("merchant").asText());
      var step = TransactionFeatures.step(stored == null ? null : fromJson(JSON.readValue(stored, StoredCard.class)), tx);
      return new Result(JSON.writeValueAsString(toJson(step.state())), step.features());
    }

    static TransactionFeatures.CardState fromJson(StoredCard s) {
      var c = new TransactionFeatures.CardState();
      c.count = s.count;
      c.total = s.total;
      c.lastTime = s.lastTime;
      c.dayNumbers = new double[s.days.size()];
      c.daySpend = new double[s.days.size()];
      for (int i = 0; i < s.days.size(); i++) {
        c.dayNumbers[i] = s.days.get(i)[0];
        c.daySpend[i] = s.days.get(i)[1];
      }
      c.recent = s.recent.stream().mapToDouble(Double::doubleValue).toArray();
      return c;
    }

    static StoredCard toJson(TransactionFeatures.CardState c) {
      var s = new StoredCard();
      s.count = c.count;
      s.total = c.total;
      s.lastTime = c.lastTime;
      for (int i = 0; i < c.dayNumbers.length; i++) s.days.add(new double[] {c.dayNumbers[i], c.daySpend[i]});
      for (double t : c.recent) s.recent.add(t);
      return s;
    }
  }

  /** titanic.ts TicketState: the POJO's JSON is already {passengers: [id]}. */
  final class Titanic implements RedisJsonState {
    private static final long serialVersionUID = 1L;
    private final TitanicFeatures.Params params;

    Titanic(TitanicFeatures.Params params) {
      this.params = params;
    }

    @Override
    public Result step(String stored, JsonNode b) throws IOException {
      var state = stored == null ? null : JSON.readValue(stored, TitanicFeatures.TicketState.class);
      var step = TitanicFeatures.step(state, TitanicFeatures.parse(b), params);
      return new Result(JSON.writeValueAsString(step.state()), step.features());
    }
  }
}
