package dev.faultline.workloads;

import java.io.Serializable;

/** A model's score of one feature vector: P(label 1). Serializable, so a Storm bolt can carry it to its workers. */
public interface Model extends Serializable {
  double score(double[] features);
}
