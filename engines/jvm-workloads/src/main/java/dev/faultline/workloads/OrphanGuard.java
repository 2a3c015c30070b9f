package dev.faultline.workloads;

/**
 * The real engines' JVMs (a Flink JobManager or TaskManager, a Storm daemon, a Kafka Streams instance) halt when
 * their stdin closes: the faultline runner that started them holds the pipe, so a runner that died leaves no JVM
 * behind to wait for a sweep. Nothing is ever sent on the pipe.
 */
public final class OrphanGuard {
  private OrphanGuard() {}

  /** Starts the daemon thread that halts this JVM at once when stdin reaches its end or breaks. */
  public static void haltWhenStdinCloses() {
    Thread guard = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // nothing is ever sent
        }
      } catch (Exception e) {
        // stdin broken: the same as closed
      }
      Runtime.getRuntime().halt(0);
    }, "faultline-orphan-guard");
    guard.setDaemon(true);
    guard.start();
  }
}
