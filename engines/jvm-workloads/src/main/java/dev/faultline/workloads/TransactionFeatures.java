package dev.faultline.workloads;

import java.util.Arrays;
import java.util.Map;

/**
 * The `transactions` workload's `parse` and `step` (scenarios/workloads/transactions.ts), ported line by line so
 * a JVM engine's score is bit-identical to the reference scorer's: the same double operations in the same
 * order, and StrictMath (fdlibm, as V8's Math.log/log1p/sin/cos) rather than Math, whose intrinsics may differ in
 * the last bit. The per-card state is a Flink POJO (public fields, primitive arrays): Flink's own serializer
 * writes it into keyed state and checkpoints, no Kryo; Storm converts it to the TypeScript engines' JSON.
 */
public final class TransactionFeatures {
  static final double MS_PER_HOUR = 3_600_000;
  static final double MS_PER_DAY = 24 * MS_PER_HOUR;
  static final double SPEND_WINDOW_DAYS = 30;
  static final int RECENT_PAYMENTS_CAP = 64;
  static final double HOURS_SINCE_LAST_CAP = SPEND_WINDOW_DAYS * 24;
  static final int FEATURE_COUNT = 11;

  private static final Map<String, Double> MERCHANT_RISK = Map.ofEntries(
      Map.entry("grocery", 0.05),
      Map.entry("restaurant", 0.1),
      Map.entry("fuel", 0.1),
      Map.entry("pharmacy", 0.05),
      Map.entry("clothing", 0.2),
      Map.entry("online-retail", 0.35),
      Map.entry("travel", 0.4),
      Map.entry("electronics", 0.55),
      Map.entry("jewelry", 0.7),
      Map.entry("gambling", 0.85),
      Map.entry("money-transfer", 0.9));

  /** Per-card state: {count, total, lastTime, days: [[day, spend]] as two columns, recent: [t]}. */
  public static final class CardState {
    public long count;
    public double total;
    public double lastTime;
    /** Day numbers inside the 30-day window, ascending, and the spend of each. */
    public double[] dayNumbers = new double[0];
    public double[] daySpend = new double[0];
    /** Event times of payments in the last 24 h, ascending. */
    public double[] recent = new double[0];

    public CardState() {}
  }

  /** A parsed payment: the Kafka body plus the merchant's risk. */
  public record Transaction(String card, double eventTime, double amount, double merchantRisk) {}

  public record Step(CardState state, double[] features) {}

  private TransactionFeatures() {}

  public static Transaction parse(String card, double eventTime, double amount, String merchant) {
    Double risk = MERCHANT_RISK.get(merchant);
    if (card == null || card.isEmpty()) throw new IllegalArgumentException("transaction body: card must be a string");
    if (!Double.isFinite(eventTime)) throw new IllegalArgumentException("transaction body: eventTime must be finite");
    if (!(amount > 0) || !Double.isFinite(amount)) throw new IllegalArgumentException("transaction body: amount must be positive");
    if (risk == null) throw new IllegalArgumentException("transaction body: unknown merchant category " + merchant);
    return new Transaction(card, eventTime, amount, risk);
  }

  /** Folds one payment into its card's state (null: a card never seen). */
  public static Step step(CardState state, Transaction tx) {
    double now = tx.eventTime();
    double today = Math.floor(now / MS_PER_DAY);
    int n = state == null ? 0 : state.dayNumbers.length;
    double[] dayNumbers = new double[n + 1];
    double[] daySpend = new double[n + 1];
    int days = 0;
    for (int i = 0; i < n; i++) {
      if (state.dayNumbers[i] > today - SPEND_WINDOW_DAYS) {
        dayNumbers[days] = state.dayNumbers[i];
        daySpend[days] = state.daySpend[i];
        days++;
      }
    }
    int r = state == null ? 0 : state.recent.length;
    double[] recent = new double[r + 1];
    int recentCount = 0;
    for (int i = 0; i < r; i++) if (state.recent[i] > now - MS_PER_DAY) recent[recentCount++] = state.recent[i];

    double spend30d = 0;
    for (int i = 0; i < days; i++) spend30d += daySpend[i];
    double meanAmount = state != null ? state.total / (double) state.count : tx.amount();
    double hoursSinceLast = state != null
        ? Math.min(HOURS_SINCE_LAST_CAP, Math.max(0, (now - state.lastTime) / MS_PER_HOUR))
        : HOURS_SINCE_LAST_CAP;
    double hour = (((now % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / MS_PER_HOUR;

    double[] f = new double[FEATURE_COUNT];
    f[0] = tx.amount();
    f[1] = StrictMath.log(tx.amount());
    f[2] = StrictMath.log(tx.amount() / meanAmount);
    f[3] = StrictMath.log1p(spend30d);
    f[4] = recentCount;
    f[5] = StrictMath.log1p(hoursSinceLast);
    f[6] = state != null ? 0 : 1;
    f[7] = StrictMath.sin((2 * Math.PI * hour) / 24);
    f[8] = StrictMath.cos((2 * Math.PI * hour) / 24);
    f[9] = hour < 6 ? 1 : 0;
    f[10] = tx.merchantRisk();

    if (days > 0 && dayNumbers[days - 1] == today) {
      daySpend[days - 1] = daySpend[days - 1] + tx.amount();
    } else {
      dayNumbers[days] = today;
      daySpend[days] = tx.amount();
      days++;
    }
    recent[recentCount++] = now;
    CardState next = new CardState();
    next.count = (state != null ? state.count : 0) + 1;
    next.total = (state != null ? state.total : 0) + tx.amount();
    next.lastTime = now;
    next.dayNumbers = Arrays.copyOf(dayNumbers, days);
    next.daySpend = Arrays.copyOf(daySpend, days);
    next.recent = recentCount > RECENT_PAYMENTS_CAP
        ? Arrays.copyOfRange(recent, recentCount - RECENT_PAYMENTS_CAP, recentCount)
        : Arrays.copyOf(recent, recentCount);
    return new Step(next, f);
  }
}
