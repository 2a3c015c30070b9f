package dev.faultline.flink;

/**
 * What flows between the job's operators, as Flink POJOs (public fields, a no-arg constructor), so Flink's own
 * serializer carries them between TaskManagers. `t` is the input's intended send time and `r` the source's
 * read time, µs since the epoch (core/types.ts InputRecord and OutputRecord).
 */
public final class Records {
  private Records() {}

  /** An input record as the source read it: its body stays JSON text until the workload's features parse it. */
  public static final class Input {
    public long id;
    public String key;
    public long t;
    public long r;
    public String body;

    public Input() {}
  }

  /** The features operator's output: the payment's feature vector. */
  public static final class Featured {
    public long id;
    public String key;
    public long t;
    public long r;
    public double[] features;

    public Featured() {}
  }

  /** The score operator's output, written by the sink. */
  public static final class Scored {
    public long id;
    public String key;
    public long t;
    public long r;
    public double score;

    public Scored() {}
  }
}
