package dev.faultline.flink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.faultline.workloads.LinearModel;
import dev.faultline.workloads.TitanicFeatures;
import dev.faultline.workloads.TransactionFeatures;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Folds events given on stdin ({"key", "body"} per line, in id order) through the job's features and score,
 * with state in memory, and prints each score as its IEEE-754 bits in hex: the bit-for-bit check of the Java
 * port against the TypeScript reference scorer, without a cluster. The state goes through Flink's own
 * serializer for it at every step, as a checkpoint and restore would. Usage: FeatureCheck <model.json> <workload>.
 */
public final class FeatureCheck {
  private FeatureCheck() {}

  /** A workload's step over its state type S: (state or null, body) → (state, features). */
  private record Port<S>(Class<S> stateType, BiFunction<S, JsonNode, Map.Entry<S, double[]>> step) {}

  public static void main(String[] args) throws Exception {
    LinearModel model = LinearModel.read(args[0], args[1]);
    Port<?> port = switch (args[1]) {
      case "transactions" -> new Port<>(TransactionFeatures.CardState.class, (state, b) -> {
        var step = TransactionFeatures.step(state, TransactionFeatures.parse(b.path("card").asText(),
            b.path("eventTime").asDouble(), b.path("amount").asDouble(), b.path("merchant").asText()));
        return Map.entry(step.state(), step.features());
      });
      case "titanic" -> {
        var params = TitanicFeatures.Params.read(FaultlineJob.JSON.readTree(new File(args[0])).path("params"));
        yield new Port<>(TitanicFeatures.TicketState.class, (state, b) -> {
          var step = TitanicFeatures.step(state, TitanicFeatures.parse(b), params);
          return Map.entry(step.state(), step.features());
        });
      }
      default -> throw new IllegalArgumentException("no Java port of the workload " + args[1]);
    };
    System.out.print(run(port, model));
  }

  private static <S> String run(Port<S> port, LinearModel model) throws IOException {
    TypeSerializer<S> serializer = TypeInformation.of(port.stateType())
        .createSerializer(new ExecutionConfig().getSerializerConfig());
    if (!serializer.getClass().getSimpleName().equals("PojoSerializer")) {
      throw new IllegalStateException(port.stateType() + " is not a Flink POJO: " + serializer.getClass().getName());
    }
    Map<String, byte[]> states = new HashMap<>();
    var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    var out = new StringBuilder();
    var buffer = new DataOutputSerializer(1024);
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      JsonNode e = FaultlineJob.JSON.readTree(line);
      String key = e.path("key").asText();
      byte[] stored = states.get(key);
      S state = stored == null ? null : serializer.deserialize(new DataInputDeserializer(stored));
      var step = port.step().apply(state, e.path("body"));
      buffer.clear();
      serializer.serialize(step.getKey(), buffer);
      states.put(key, buffer.getCopyOfBuffer());
      out.append(Long.toHexString(Double.doubleToRawLongBits(model.score(step.getValue())))).append('\n');
    }
    return out.toString();
  }
}
