package dev.faultline.flink;

import dev.faultline.workloads.OrphanGuard;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Starts a Flink process (the JobManager's StandaloneSessionClusterEntrypoint, a TaskManagerRunner) with an
 * orphan guard: the adapter holds this JVM's stdin, and when it closes (the runner died without stopping the
 * cluster) the JVM halts at once instead of waiting for a sweep. Usage: Launcher <main class> <its args>...
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws Exception {
    OrphanGuard.haltWhenStdinCloses();
    Method main = Class.forName(args[0]).getMethod("main", String[].class);
    main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
  }
}
