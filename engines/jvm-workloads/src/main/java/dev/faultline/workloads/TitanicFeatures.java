package dev.faultline.workloads;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The `titanic` workload's `parse` and `step` (scenarios/workloads/titanic.ts), ported line by line so a JVM
 * engine's score is bit-identical to the reference scorer's (StrictMath.log1p: fdlibm, as V8's Math.log1p). The per-ticket
 * state is a Flink POJO whose JSON (Jackson, public fields) is the TypeScript engines' `{"passengers": [...]}`:
 * the distinct passenger ids seen on the ticket, in first-seen order, at most 16.
 */
public final class TitanicFeatures {
  static final int TICKET_PASSENGERS_CAP = 16;
  private static final Pattern TITLE = Pattern.compile(",\\s*([^.]+)\\.");
  private static final Map<String, String> TITLE_ALIASES = Map.of(
      "Mr", "Mr", "Mrs", "Mrs", "Mme", "Mrs", "Miss", "Miss", "Mlle", "Miss", "Ms", "Miss", "Master", "Master");

  /** Per-ticket state. */
  public static final class TicketState {
    public int[] passengers = new int[0];

    public TicketState() {}
  }

  /** A parsed passenger (titanic.ts Passenger); null age or fare as NaN. */
  public record Passenger(int passengerId, int pclass, boolean female, String title, double age, int sibSp, int parch,
      boolean hasCabin, String embarked, double fare) {}

  /** What `step` reads from the model artefact's params, learnt from the training split. */
  public record Params(Map<String, Double> medianAgeByTitle, Map<String, Double> medianFareByClass)
      implements java.io.Serializable {
    public static Params read(JsonNode params) {
      var ages = new java.util.HashMap<String, Double>();
      params.path("medianAgeByTitle").fields().forEachRemaining(e -> ages.put(e.getKey(), e.getValue().asDouble()));
      var fares = new java.util.HashMap<String, Double>();
      params.path("medianFareByClass").fields().forEachRemaining(e -> fares.put(e.getKey(), e.getValue().asDouble()));
      for (String t : new String[] {"Mr", "Mrs", "Miss", "Master", "Rare"}) {
        if (!ages.containsKey(t)) throw new IllegalArgumentException("titanic: model params lack medianAgeByTitle." + t);
      }
      for (String c : new String[] {"1", "2", "3"}) {
        if (!fares.containsKey(c)) throw new IllegalArgumentException("titanic: model params lack medianFareByClass." + c);
      }
      return new Params(Map.copyOf(ages), Map.copyOf(fares));
    }
  }

  public record Step(TicketState state, double[] features) {}

  private TitanicFeatures() {}

  static String titleOf(String name) {
    Matcher m = TITLE.matcher(name);
    if (!m.find()) return "Rare";
    String title = TITLE_ALIASES.get(m.group(1).strip());
    return title == null ? "Rare" : title;
  }

  public static Passenger parse(JsonNode b) {
    int pclass = b.path("pclass").asInt();
    if (pclass < 1 || pclass > 3) throw new IllegalArgumentException("passenger body: pclass must be 1, 2 or 3");
    String sex = b.path("sex").asText();
    if (!sex.equals("male") && !sex.equals("female")) throw new IllegalArgumentException("passenger body: sex must be male or female");
    String embarked = b.path("embarked").asText();
    return new Passenger(
        b.path("passengerId").asInt(),
        pclass,
        sex.equals("female"),
        titleOf(b.path("name").asText()),
        b.path("age").isNull() ? Double.NaN : b.path("age").asDouble(),
        b.path("sibSp").asInt(),
        b.path("parch").asInt(),
        !b.path("cabin").asText().strip().isEmpty(),
        embarked.isEmpty() ? "S" : embarked,
        b.path("fare").isNull() ? Double.NaN : b.path("fare").asDouble());
  }

  public static Step step(TicketState state, Passenger p, Params params) {
    int[] known = state == null ? new int[0] : state.passengers;
    boolean seen = Arrays.stream(known).anyMatch(id -> id == p.passengerId());
    int[] passengers = seen || known.length >= TICKET_PASSENGERS_CAP ? known : Arrays.copyOf(known, known.length + 1);
    if (passengers != known) passengers[known.length] = p.passengerId();
    boolean includes = seen || passengers != known;
    int companionsSeen = passengers.length - (includes ? 1 : 0);
    double age = Double.isNaN(p.age()) ? params.medianAgeByTitle().get(p.title()) : p.age();
    double fare = Double.isNaN(p.fare()) ? params.medianFareByClass().get(String.valueOf(p.pclass())) : p.fare();
    int familySize = p.sibSp() + p.parch() + 1;
    double[] f = {
      p.female() ? 1 : 0,
      p.female() && p.pclass() == 3 ? 1 : 0,
      p.pclass() == 1 ? 1 : 0,
      p.pclass() == 2 ? 1 : 0,
      p.title().equals("Mr") ? 1 : 0,
      p.title().equals("Mrs") ? 1 : 0,
      p.title().equals("Miss") ? 1 : 0,
      p.title().equals("Master") ? 1 : 0,
      age,
      age < 14 ? 1 : 0,
      familySize,
      familySize == 1 ? 1 : 0,
      familySize >= 5 ? 1 : 0,
      StrictMath.log1p(fare / (companionsSeen + 1)),
      p.hasCabin() ? 1 : 0,
      p.embarked().equals("C") ? 1 : 0,
      p.embarked().equals("Q") ? 1 : 0,
      companionsSeen,
    };
    TicketState next = new TicketState();
    next.passengers = passengers == known ? known.clone() : passengers;
    return new Step(next, f);
  }
}
