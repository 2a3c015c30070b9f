package dev.faultline.flink;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
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

  public static void main(String[] args) throws Exception {
    LinearModel model = LinearModel.read(args[0], args[1]);
    TypeSerializer<TransactionFeatures.CardState> serializer = TypeInformation.of(TransactionFeatures.CardState.class)
        .createSerializer(new ExecutionConfig().getSerializerConfig());
    if (!serializer.getClass().getSimpleName().equals("PojoSerializer")) {
      throw new IllegalStateException("CardState is not a Flink POJO: " + serializer.getClass().getName());
    }
    Map<String, byte[]> states = new HashMap<>();
    var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    var out = new StringBuilder();
    var buffer = new DataOutputSerializer(1024);
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      JsonNode e = FaultlineJob.JSON.readTree(line);
      JsonNode b = e.path("body");
      String key = e.path("key").asText();
      var tx = TransactionFeatures.parse(b.path("card").asText(), b.path("eventTime").asDouble(),
          b.path("amount").asDouble(), b.path("merchant").asText());
      byte[] stored = states.get(key);
      var state = stored == null ? null : serializer.deserialize(new DataInputDeserializer(stored));
      var step = TransactionFeatures.step(state, tx);
      buffer.clear();
      serializer.serialize(step.state(), buffer);
      states.put(key, buffer.getCopyOfBuffer());
      out.append(Long.toHexString(Double.doubleToRawLongBits(model.score(step.features())))).append('\n');
    }
    System.out.print(out);
  }
}
