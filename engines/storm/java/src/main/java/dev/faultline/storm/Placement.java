package dev.faultline.storm;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.storm.kafka.bolt.PreparableCallback;
import org.apache.storm.task.TopologyContext;

/**
 * Where each operator instance runs: every spout and bolt task prints `faultline-placement {json}` (its
 * faultline id such as `features[1]`, the worker JVM's pid and slot port) when it is prepared, so the adapter
 * knows which Storm worker JVM a fault on `features[1]` must hit, and sees a relaunched worker's tasks come
 * back. In a cluster these lines reach the worker's log through Storm's LogWriter.
 *
 * Also a watchdog per worker JVM: when the faultline run that owns the topology (`faultline.owner.pid`) is
 * gone, the worker halts, so a runner that died leaves no Storm worker behind (its daemons have their own
 * guard, Daemon.java).
 */
public final class Placement {
  static final String PREFIX = "faultline-placement ";
  static final String OWNER_PID = "faultline.owner.pid";
  private static final AtomicBoolean WATCHING = new AtomicBoolean();

  private Placement() {}

  static void announce(Map<String, Object> conf, TopologyContext context, String operator) {
    long pid = ProcessHandle.current().pid();
    String line = PREFIX + "{\"instance\":\"" + operator + "[" + context.getThisTaskIndex() + "]\",\"pid\":" + pid
        + ",\"port\":" + context.getThisWorkerPort() + "}";
    synchronized (System.out) {
      System.out.println(line);
      System.out.flush();
    }
    Object owner = conf.get(OWNER_PID);
    if (owner instanceof Number && WATCHING.compareAndSet(false, true)) watchOwner(((Number) owner).longValue());
  }

  private static void watchOwner(long ownerPid) {
    Thread watchdog = new Thread(() -> {
      while (true) {
        try {
          Thread.sleep(2000);
        } catch (InterruptedException e) {
          return;
        }
        if (ProcessHandle.of(ownerPid).map(ProcessHandle::isAlive).orElse(false)) continue;
        Runtime.getRuntime().halt(0);
      }
    }, "faultline-owner-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** The sink's hook: KafkaBolt prepares its producer callback, which is the one place to announce it. */
  static final class SinkAnnouncer implements PreparableCallback {
    private static final long serialVersionUID = 1L;

    @Override
    public void prepare(Map<String, Object> conf, TopologyContext context) {
      announce(conf, context, "sink");
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
      // KafkaBolt itself fails the tuple on an error; nothing to add.
    }
  }
}
