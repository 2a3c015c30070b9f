package dev.faultline.workloads;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A `faultline/model@1` artefact (core/workload.ts): the model it scores with and the workload's `params` that
 * `step` reads. kind logistic-regression (trainer own or h2o-glm) → LinearModel from the coefficients; kind
 * gradient-boosting (h2o-gbm) → H2oMojoModel from the MOJO the artefact names (`h2o.mojo`, relative to its file).
 */
public record ModelFile(Model model, JsonNode params) {
  public static ModelFile read(String path, String workload) throws IOException {
    JsonNode m = new ObjectMapper().readTree(new File(path));
    if (!"faultline/model@1".equals(m.path("schema").asText())) throw new IOException(path + ": not a faultline/model@1 file");
    if (!workload.equals(m.path("workload").asText())) {
      throw new IOException(path + ": a model of " + m.path("workload").asText() + ", not " + workload);
    }
    String kind = m.path("kind").asText();
    Model model = switch (kind) {
      case "logistic-regression" -> LinearModel.of(m);
      case "gradient-boosting" -> {
        String mojo = m.path("h2o").path("mojo").asText();
        if (mojo.isEmpty()) throw new IOException(path + ": an H2O GBM artefact without h2o.mojo");
        Path zip = Path.of(path).toAbsolutePath().getParent().resolve(mojo);
        String[] names = new String[m.path("features").size()];
        for (int i = 0; i < names.length; i++) names[i] = m.path("features").get(i).asText();
        yield new H2oMojoModel(Files.readAllBytes(zip), names);
      }
      default -> throw new IOException(path + ": kind " + kind + " is not a model kind faultline writes");
    };
    return new ModelFile(model, m.path("params"));
  }
}
