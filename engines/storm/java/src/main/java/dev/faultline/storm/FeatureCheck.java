package dev.faultline.storm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.faultline.workloads.ModelFile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Folds events given on stdin ({"key", "body"} per line, in id order) through the bolts' features and score,
 * with the state as the same JSON text the feature bolt keeps in Redis (RedisJsonState), and prints each score as
 * its IEEE-754 bits in hex: the bit-for-bit check of the Java side against the TypeScript reference scorer (or,
 * for an H2O GBM, against infra/h2o's MOJO scorer on the reference features), without a cluster.
 * Usage: FeatureCheck <model.json> <workload>.
 */
public final class FeatureCheck {
  private FeatureCheck() {}

  public static void main(String[] args) throws Exception {
    ModelFile model = ModelFile.read(args[0], args[1]);
    RedisJsonState port = RedisJsonState.of(args[1], model.params());
    Map<String, String> states = new HashMap<>();
    var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    var out = new StringBuilder();
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      JsonNode e = FaultlineTopology.JSON.readTree(line);
      String key = e.path("key").asText();
      var step = port.step(states.get(key), e.path("body"));
      states.put(key, step.state());
      out.append(Long.toHexString(Double.doubleToRawLongBits(model.model().score(step.features())))).append('\n');
    }
    System.out.print(out);
  }
}
