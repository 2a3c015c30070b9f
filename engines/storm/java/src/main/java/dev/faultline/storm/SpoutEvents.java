package dev.faultline.storm;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.storm.kafka.spout.KafkaSpoutMessageId;
import org.apache.storm.kafka.spout.KafkaTupleListener;
import org.apache.storm.task.TopologyContext;

/**
 * Storm's own signals for faultline's timeline, from the KafkaSpout's tuple listener: a tuple failed (explicit
 * fail or message timeout: the spout schedules a retry), a tuple emitted again (its message id has failed
 * before), a tuple given up (max retries), partitions (re)assigned. Counts go out once a second as
 * `faultline-event {json}` lines on stdout, which the adapter turns into engine events.
 */
public final class SpoutEvents implements KafkaTupleListener {
  private static final long serialVersionUID = 1L;
  static final String PREFIX = "faultline-event ";
  private transient AtomicLong failed;
  private transient AtomicLong replayed;
  private transient AtomicLong gaveUp;
  private transient String worker;

  static void print(String json) {
    synchronized (System.out) {
      System.out.println(PREFIX + json);
      System.out.flush();
    }
  }

  @Override
  public void open(Map<String, Object> conf, TopologyContext context) {
    failed = new AtomicLong();
    replayed = new AtomicLong();
    gaveUp = new AtomicLong();
    worker = "source[" + context.getThisTaskIndex() + "]";
    Placement.announce(conf, context, "source");
    Thread flusher = new Thread(() -> {
      while (true) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
        long f = failed.getAndSet(0);
        long r = replayed.getAndSet(0);
        long g = gaveUp.getAndSet(0);
        if (f > 0) print("{\"type\":\"tuple.failed\",\"worker\":\"" + worker + "\",\"count\":" + f + "}");
        if (r > 0) print("{\"type\":\"tuple.replayed\",\"worker\":\"" + worker + "\",\"count\":" + r + "}");
        if (g > 0) print("{\"type\":\"tuple.failed\",\"worker\":\"" + worker + "\",\"count\":0,\"gaveUp\":" + g + "}");
      }
    }, "faultline-spout-events");
    flusher.setDaemon(true);
    flusher.start();
  }

  @Override
  public void onEmit(java.util.List<Object> tuple, KafkaSpoutMessageId msgId) {
    if (msgId != null && msgId.numFails() > 0) replayed.incrementAndGet();
  }

  @Override
  public void onAck(KafkaSpoutMessageId msgId) {}

  @Override
  public void onPartitionsReassigned(Collection<TopicPartition> partitions) {
    print("{\"type\":\"source.positioned\",\"worker\":\"" + worker + "\",\"partitions\":" + partitions.size() + "}");
  }

  @Override
  public void onRetry(KafkaSpoutMessageId msgId) {
    failed.incrementAndGet();
  }

  @Override
  public void onMaxRetryReached(KafkaSpoutMessageId msgId) {
    gaveUp.incrementAndGet();
  }
}
