package dev.faultline.storm;

import dev.faultline.workloads.OrphanGuard;
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
    OrphanGuard.haltWhenStdinCloses();
    Method main = Class.forName(args[0]).getMethod("main", String[].class);
    main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
  }
}
