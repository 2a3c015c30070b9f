/**
 * The open-loop schedule: when event i is *intended* to be sent, independent of how the system copes
 * (OpenMessaging Benchmark's rate limiter idea; it is what defeats coordinated omission). A constant rate,
 * optionally preceded by a linear ramp.
 */
export interface ScheduleSpec {
  /** Target rate in events/s after the ramp. */
  rate: number;
  /** Total length of the load, ramp included, in seconds. */
  durationS: number;
  /** Optional linear ramp from `fromRate` to `rate` over the first `overS` seconds. */
  ramp?: { fromRate: number; overS: number };
}

export interface Schedule {
  /** Number of events in the whole schedule. */
  count: number;
  /** Offset of event i from the schedule start, in µs. */
  offsetUs(i: number): number;
  /** Intended rate at time `s` seconds into the schedule. */
  rateAt(s: number): number;
}

export function createSchedule(spec: ScheduleSpec): Schedule {
  const { rate, durationS } = spec;
  const ramp = spec.ramp && spec.ramp.overS > 0 ? spec.ramp : undefined;
  if (!ramp) {
    return {
      count: Math.floor(rate * durationS),
      offsetUs: (i) => (i * 1e6) / rate,
      rateAt: () => rate,
    };
  }
  const T = Math.min(ramp.overS, durationS);
  const r0 = ramp.fromRate;
  const slope = (rate - r0) / T;
  // Events sent by time t during the ramp: N(t) = r0 t + slope t² / 2.
  const rampEvents = r0 * T + (slope * T * T) / 2;
  const count = Math.floor(rampEvents + rate * (durationS - T));
  return {
    count,
    offsetUs(i) {
      if (i >= rampEvents) return (T + (i - rampEvents) / rate) * 1e6;
      if (Math.abs(slope) < 1e-12) return (i / r0) * 1e6;
      // Solve slope/2 t² + r0 t − i = 0 for t ≥ 0.
      const t = (-r0 + Math.sqrt(r0 * r0 + 2 * slope * i)) / slope;
      return t * 1e6;
    },
    rateAt: (s) => (s < T ? r0 + slope * s : rate),
  };
}

/** The first id whose intended offset is at or after `offsetUs` (count when none): ids before it were due earlier. */
export function firstIdAtOrAfter(schedule: Schedule, offsetUs: number): number {
  let lo = 0;
  let hi = schedule.count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (schedule.offsetUs(mid) < offsetUs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
