package dev.faultline.storm;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Runs a Storm daemon's main (ZooKeeper, nimbus, a supervisor) with one addition: the JVM halts when its stdin
 * closes, which happens when the faultline run that started it is gone, so a crashed runner leaves no daemon
 * behind. Usage: Daemon <main class> [args...].
 */
public final class Daemon {
  private Daemon() {}

  public static void main(String[] args) throws Exception {
    haltWhenStdinCloses();
    Method main = Class.forName(args[0]).getMethod("main", String[].class);
    main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
  }

  /** The JVM halts when its stdin closes: the process that started it (and holds the pipe) is gone. */
  static void haltWhenStdinCloses() {
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
