import { describe, expect, it } from 'vitest';
import { type CollectorIncident, collectorIncidentsNote } from './collector.ts';

const START = 1_700_000_000_000_000;
const at = (s: number) => START + s * 1e6;

describe('collectorIncidentsNote', () => {
  it('says nothing without incidents', () => {
    expect(collectorIncidentsNote([], START)).toBeUndefined();
  });

  it('counts crashes and replacements, and the time not read, when the consumer read again', () => {
    const incidents: CollectorIncident[] = [
      {
        type: 'collector.crashed',
        atUs: at(12.3),
        error: 'Failed to find group coordinator',
        kafkaRestarts: false,
      },
      { type: 'collector.replaced', atUs: at(12.3), why: 'crashed: Failed to find group coordinator' },
      { type: 'collector.reading', atUs: at(18.1), gapMs: 5800 },
    ];
    expect(collectorIncidentsNote(incidents, START)).toBe(
      "the collector's Kafka consumer crashed 1× and was replaced 1× (first at 12.3 s: Failed to find group " +
        'coordinator); it did not read for 5.8 s in all and then read on from where it stopped: what was written ' +
        "meanwhile was read late (its latency includes the gap; a recovery the gap could distort, beyond Kafka's " +
        'own outage, is given as unknown)',
    );
  });

  it('says when the consumer never read again', () => {
    const note = collectorIncidentsNote(
      [{ type: 'collector.replaced', atUs: at(3), why: 'no fetch for 10012 ms' }],
      START,
    );
    expect(note).toMatch(/was replaced 1× \(first at 3.0 s: no fetch for 10012 ms\); it had not read again/);
  });
});
