package dev.faultline.kstreams;

import com.fasterxml.jackson.databind.JsonNode;
import dev.faultline.workloads.LinearModel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Folds events given on stdin ({"key", "body"} per line, in id order) through the app's features step (the key's
 * state as the JSON bytes the state store and its changelog hold) and the score, and prints each score as its
 * IEEE-754 bits in hex: the bit-for-bit check of the app against the TypeScript reference scorer, without Kafka.
 * Usage: FeatureCheck <model.json> <workload>.
 */
public final class FeatureCheck {
  private FeatureCheck() {}

  public static void main(String[] args) throws Exception {
    LinearModel model = LinearModel.read(args[0], args[1]);
    KeyState step = KeyState.of(args[1], args[0]);
    Map<String, byte[]> store = new HashMap<>();
    var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    var out = new StringBuilder();
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      JsonNode e = KeyState.JSON.readTree(line);
      String key = e.path("key").asText();
      var r = step.step(store.get(key), e.path("body"));
      store.put(key, r.state());
      out.append(Long.toHexString(Double.doubleToRawLongBits(model.score(r.features())))).append('\n');
    }
    System.out.print(out);
  }
}
