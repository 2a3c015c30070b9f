package dev.faultline.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.Serializable;

/**
 * A workload's linear model artefact (core/workload.ts `ModelArtefact`, kind logistic-regression) and its
 * `score`: z = intercept + Σ coef[i]·((x[i] − mean[i]) / std[i]) in index order, then 1 / (1 + exp(−z)), the
 * same double operations as the TypeScript scorer (StrictMath.exp: fdlibm, as V8's Math.exp).
 */
public final class LinearModel implements Serializable {
  private static final long serialVersionUID = 1L;
  final double[] coefficients;
  final double[] mean;
  final double[] std;
  final double intercept;

  LinearModel(double[] coefficients, double[] mean, double[] std, double intercept) {
    this.coefficients = coefficients;
    this.mean = mean;
    this.std = std;
    this.intercept = intercept;
  }

  public static LinearModel read(String path, String workload) throws IOException {
    JsonNode m = new ObjectMapper().readTree(new File(path));
    if (!"faultline/model@1".equals(m.path("schema").asText())) throw new IOException(path + ": not a faultline/model@1 file");
    if (!"logistic-regression".equals(m.path("kind").asText())) {
      throw new IOException(path + ": kind " + m.path("kind").asText() + "; the Flink job scores linear models only so far");
    }
    if (!workload.equals(m.path("workload").asText())) throw new IOException(path + ": a model of " + m.path("workload").asText() + ", not " + workload);
    return new LinearModel(
        doubles(m.path("coefficients")),
        doubles(m.path("preprocessing").path("mean")),
        doubles(m.path("preprocessing").path("std")),
        m.path("intercept").asDouble());
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asDouble();
    return out;
  }

  public double score(double[] features) {
    double z = intercept;
    for (int i = 0; i < coefficients.length; i++) {
      double x = i < features.length ? features[i] : Double.NaN;
      z += coefficients[i] * ((x - mean[i]) / std[i]);
    }
    return 1 / (1 + StrictMath.exp(-z));
  }
}
