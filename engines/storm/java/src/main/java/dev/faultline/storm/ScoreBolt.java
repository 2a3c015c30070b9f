package dev.faultline.storm;

import dev.faultline.workloads.Model;
import java.util.Map;
import org.apache.storm.task.OutputCollector;
import org.apache.storm.task.TopologyContext;
import org.apache.storm.topology.OutputFieldsDeclarer;
import org.apache.storm.topology.base.BaseRichBolt;
import org.apache.storm.tuple.Fields;
import org.apache.storm.tuple.Tuple;
import org.apache.storm.tuple.Values;

/**
 * The score operator: the run's model on the feature vector — the workload's linear model artefact (step 0 of
 * the lab; h2o-glm too, from its coefficients) or an H2O GBM's MOJO through h2o-genmodel (step 1).
 */
public final class ScoreBolt extends BaseRichBolt {
  private static final long serialVersionUID = 1L;
  private final Model model;
  private transient OutputCollector collector;

  public ScoreBolt(Model model) {
    this.model = model;
  }

  @Override
  public void prepare(Map<String, Object> conf, TopologyContext context, OutputCollector collector) {
    this.collector = collector;
    Placement.announce(conf, context, "score");
  }

  @Override
  public void execute(Tuple input) {
    double score = model.score((double[]) input.getValueByField("features"));
    collector.emit(input, new Values(input.getLongByField("id"), input.getStringByField("key"),
        input.getLongByField("t"), input.getLongByField("r"), score));
    collector.ack(input);
  }

  @Override
  public void declareOutputFields(OutputFieldsDeclarer declarer) {
    declarer.declare(new Fields("id", "key", "t", "r", "score"));
  }
}
