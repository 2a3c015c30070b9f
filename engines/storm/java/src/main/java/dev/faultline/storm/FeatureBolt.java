package dev.faultline.storm;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.apache.storm.task.OutputCollector;
import org.apache.storm.task.TopologyContext;
import org.apache.storm.topology.OutputFieldsDeclarer;
import org.apache.storm.topology.base.BaseRichBolt;
import org.apache.storm.tuple.Fields;
import org.apache.storm.tuple.Tuple;
import org.apache.storm.tuple.Values;
import redis.clients.jedis.Jedis;

/**
 * The features operator: per-key state read from and written back to Redis (`fl:<runId>:state:<key>`, the
 * TypeScript engines' keys, plain JSON: RedisJsonState) around the workload's `step`. Not rolled back on replay, the Storm way:
 * a replayed tuple is folded in twice. A Redis error fails the tuple, so the spout replays it after its back-off.
 */
public final class FeatureBolt extends BaseRichBolt {
  private static final long serialVersionUID = 1L;
  private final String redisHost;
  private final int redisPort;
  private final String statePrefix;
  private final int timeoutMs;
  private final RedisJsonState workload;
  private transient ObjectMapper json;
  private transient Jedis redis;
  private transient OutputCollector collector;

  public FeatureBolt(RedisJsonState workload, String redisHost, int redisPort, String statePrefix, int timeoutMs) {
    this.workload = workload;
    this.redisHost = redisHost;
    this.redisPort = redisPort;
    this.statePrefix = statePrefix;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public void prepare(Map<String, Object> conf, TopologyContext context, OutputCollector collector) {
    this.collector = collector;
    this.json = new ObjectMapper();
    Placement.announce(conf, context, "features");
  }

  private Jedis redis() {
    if (redis == null) redis = new Jedis(redisHost, redisPort, timeoutMs);
    return redis;
  }

  @Override
  public void execute(Tuple input) {
    String key = input.getStringByField("key");
    try {
      var body = json.readTree(input.getStringByField("body"));
      var step = workload.step(redis().get(statePrefix + key), body);
      redis().set(statePrefix + key, step.state());
      collector.emit(input, new Values(input.getLongByField("id"), key, input.getLongByField("t"),
          input.getLongByField("r"), step.features()));
      collector.ack(input);
    } catch (redis.clients.jedis.exceptions.JedisException e) {
      if (redis != null) {
        try {
          redis.close();
        } catch (Exception ignored) {
          // a broken connection
        }
        redis = null;
      }
      collector.reportError(e);
      collector.fail(input);
    } catch (Exception e) {
      collector.reportError(e);
      collector.fail(input);
    }
  }

  @Override
  public void declareOutputFields(OutputFieldsDeclarer declarer) {
    declarer.declare(new Fields("id", "key", "t", "r", "features"));
  }
}
