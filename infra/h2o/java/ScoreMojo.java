import hex.genmodel.MojoModel;
import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;
import hex.genmodel.easy.prediction.BinomialModelPrediction;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;

/**
 * Scores feature vectors with an H2O MOJO through h2o-genmodel, the library a JVM engine embeds.
 * Usage: ScoreMojo MOJO.zip; stdin: a header line of feature names, then one CSV line of numbers per row;
 * stdout: P(class 1) per row as Double.toString, which round-trips exactly.
 */
public final class ScoreMojo {
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: ScoreMojo MOJO.zip < features.csv");
      System.exit(2);
    }
    EasyPredictModelWrapper model = new EasyPredictModelWrapper(MojoModel.load(args[0]));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
    String header = in.readLine();
    if (header == null) return;
    String[] names = header.split(",");
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.isEmpty()) continue;
      String[] cells = line.split(",");
      RowData row = new RowData();
      for (int i = 0; i < names.length; i++) row.put(names[i], Double.parseDouble(cells[i]));
      BinomialModelPrediction p = model.predictBinomial(row);
      out.write(Double.toString(p.classProbabilities[1]));
      out.newLine();
    }
    out.flush();
  }
}
