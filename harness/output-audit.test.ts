import { describe, expect, it } from 'vitest';
import { auditNote } from './output-audit.ts';

describe('auditNote', () => {
  const base = { records: 25000, complete: true, missed: 0, missedSample: [], durationMs: 1234 };

  it('confirms a loss when the second reader finds nothing the collector missed', () => {
    expect(auditNote(base, 13)).toEqual({
      note: 'an independent read of the output topic after the drain (25000 records, 1.2 s) found nothing the collector missed: the 13 lost ids are not in the topic',
      unknown: false,
    });
  });

  it('makes the verdict unknown when the collector missed deliveries', () => {
    const a = auditNote({ ...base, missed: 2, missedSample: [17, 18] }, 2);
    expect(a.unknown).toBe(true);
    expect(a.note).toMatch(/found 2 deliveries the collector never read \(e.g. id 17, 18\)/);
  });

  it('says when it could not read to the end, without overruling the collector', () => {
    const a = auditNote({ ...base, complete: false }, 0);
    expect(a).toMatchObject({ unknown: false });
    expect(a.note).toMatch(/did not reach the end of the topic/);
  });
});
