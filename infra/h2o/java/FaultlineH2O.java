// H2O's own launcher class (water.H2OApp) is not published to Maven Central; this is the one line it runs.
public final class FaultlineH2O {
  public static void main(String[] args) {
    water.H2OStarter.start(args, System.getProperty("user.dir"));
  }
}
