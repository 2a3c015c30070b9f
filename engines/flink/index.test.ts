import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import type { DeployPlan, Placement } from '../types.ts';
import { flink } from './index.ts';

describe('flink under another placement', () => {
  it('refuses proxied data links outside the local provider, before anything starts, and names the fix', async () => {
    // Only what deploy reads before it refuses: the checks come before the build and the cluster.
    const plan = {
      guarantee: 'exactly-once',
      workload: { name: 'transactions' },
      options: { proxied: true },
      placement: { launcher: { kind: 'docker' } } as Placement,
    } as unknown as DeployPlan;
    const refused = flink.deploy(plan);
    await expect(refused).rejects.toBeInstanceOf(BadInputError);
    await expect(refused).rejects.toThrow(/proxied data links need the local provider/);
    await expect(refused).rejects.toMatchObject({ fix: expect.stringMatching(/drop -o proxied=true/) });
  });
});
