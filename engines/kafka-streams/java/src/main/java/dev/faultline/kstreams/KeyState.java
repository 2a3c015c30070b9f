package dev.faultline.kstreams;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.faultline.workloads.TitanicFeatures;
import dev.faultline.workloads.TransactionFeatures;
import java.io.File;
import java.io.IOException;

/**
 * A workload's features step over the key's state as the app's state store holds it: the shared port's state
 * class (engines/jvm-workloads: public fields) as Jackson JSON bytes, which is also what the store's changelog
 * topic carries and what a restore reads back. Jackson writes a double with Double.toString and reads it with
 * Double.parseDouble, which round-trips every finite double exactly (FeatureCheck proves the whole step).
 */
public interface KeyState {
  ObjectMapper JSON = new ObjectMapper();

  /** The stored state (null: a key never seen) and the input's body → the state to store and the features. */
  Result step(byte[] stored, JsonNode body) throws IOException;

  record Result(byte[] state, double[] features) {}

  /** The step of `workload`; titanic reads its medians from the model file's `params`. */
  static KeyState of(String workload, String modelPath) throws IOException {
    return switch (workload) {
      case "transactions" -> (stored, b) -> {
        var tx = TransactionFeatures.parse(b.path("card").asText(), b.path("eventTime").asDouble(),
            b.path("amount").asDouble(), b.path("merchant").asText());
        var step = TransactionFeatures.step(
            stored == null ? null : JSON.readValue(stored, TransactionFeatures.CardState.class), tx);
        return new Result(JSON.writeValueAsBytes(step.state()), step.features());
      };
      case "titanic" -> {
        var params = TitanicFeatures.Params.read(JSON.readTree(new File(modelPath)).path("params"));
        yield (stored, b) -> {
          var step = TitanicFeatures.step(
              stored == null ? null : JSON.readValue(stored, TitanicFeatures.TicketState.class),
              TitanicFeatures.parse(b), params);
          return new Result(JSON.writeValueAsBytes(step.state()), step.features());
        };
      }
      default -> throw new IllegalArgumentException("no Java port of the workload " + workload);
    };
  }
}
