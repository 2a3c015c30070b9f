package dev.faultline.workloads;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * A workload's linear model artefact (core/workload.ts `ModelArtefact`, kind logistic-regression) and its
 * `score`: z = intercept + Σ coef[i]·((x[i] − mean[i]) / std[i]) in index order, then 1 / (1 + exp(−z)), the
 * same double operations as the TypeScript scorer (StrictMath.exp: fdlibm, as V8's Math.exp). An `h2o-glm`
 * artefact is scored this way too, from the coefficients H2O exported (not its MOJO), so every engine and the
 * reference scorer compute the same doubles.
 */
public final class LinearModel implements Model {
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

  /** A linear model file of `workload`; any other kind is refused (ModelFile.read takes every kind). */
  public static LinearModel read(String path, String workload) throws IOException {
    Model model = ModelFile.read(path, workload).model();
    if (model instanceof LinearModel linear) return linear;
    throw new IOException(path + ": not a linear model (kind gradient-boosting); this engine scores linear models only");
  }

  static LinearModel of(JsonNode m) {
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

  @Override
  public double score(double[] features) {
    double z = intercept;
    for (int i = 0; i < coefficients.length; i++) {
      double x = i < features.length ? features[i] : Double.NaN;
      z += coefficients[i] * ((x - mean[i]) / std[i]);
    }
    return 1 / (1 + StrictMath.exp(-z));
  }
}
