package dev.faultline.storm;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Folds events given on stdin ({"key", "body"} per line, in id order) through the bolts' features and score,
 * with state in memory, and prints each score as its IEEE-754 bits in hex: the bit-for-bit check of the Java
 * port against the TypeScript reference scorer, without a cluster. Usage: FeatureCheck <model.json> <workload>.
 */
public final class FeatureCheck {
  private FeatureCheck() {}

  public static void main(String[] args) throws Exception {
    LinearModel model = LinearModel.read(args[0], args[1]);
    Map<String, TransactionFeatures.CardState> states = new HashMap<>();
    var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    var out = new StringBuilder();
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      JsonNode e = FaultlineTopology.JSON.readTree(line);
      JsonNode b = e.path("body");
      String key = e.path("key").asText();
      var tx = TransactionFeatures.parse(b.path("card").asText(), b.path("eventTime").asDouble(),
          b.path("amount").asDouble(), b.path("merchant").asText());
      // Through JSON like the bolt's Redis round trip, so serialisation is checked too.
      var stored = states.get(key);
      var state = stored == null ? null : FaultlineTopology.JSON.readValue(
          FaultlineTopology.JSON.writeValueAsString(stored), TransactionFeatures.CardState.class);
      var step = TransactionFeatures.step(state, tx);
      states.put(key, step.state());
      out.append(Long.toHexString(Double.doubleToRawLongBits(model.score(step.features())))).append('\n');
    }
    System.out.print(out);
  }
}
