package dev.faultline.workloads;

import hex.genmodel.MojoModel;
import hex.genmodel.MojoReaderBackendFactory;
import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;
import hex.genmodel.easy.exception.PredictException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An H2O MOJO scored through h2o-genmodel (issue 20, step 1): the row as feature name → Double, then
 * EasyPredictModelWrapper.predictBinomial's P(class 1) — the very calls of infra/h2o/java/ScoreMojo.java, which
 * gives the checker its reference scores, so an engine's score and the reference are the same double. The MOJO's
 * bytes travel with the object (a Storm bolt is serialized to its workers); the wrapper is built on first use.
 */
public final class H2oMojoModel implements Model {
  private static final long serialVersionUID = 1L;
  private final byte[] mojo;
  private final String[] featureNames;
  private transient EasyPredictModelWrapper wrapper;

  public H2oMojoModel(byte[] mojo, String[] featureNames) {
    this.mojo = mojo;
    this.featureNames = featureNames;
  }

  private EasyPredictModelWrapper wrapper() {
    if (wrapper == null) {
      try {
        wrapper = new EasyPredictModelWrapper(MojoModel.load(MojoReaderBackendFactory.createReaderBackend(
            new ByteArrayInputStream(mojo), MojoReaderBackendFactory.CachingStrategy.MEMORY)));
      } catch (IOException e) {
        throw new UncheckedIOException("the H2O MOJO cannot be loaded", e);
      }
    }
    return wrapper;
  }

  @Override
  public double score(double[] features) {
    RowData row = new RowData();
    for (int i = 0; i < featureNames.length; i++) {
      row.put(featureNames[i], i < features.length ? features[i] : Double.NaN);
    }
    try {
      return wrapper().predictBinomial(row).classProbabilities[1];
    } catch (PredictException e) {
      throw new IllegalStateException("the H2O MOJO refused a row", e);
    }
  }
}
