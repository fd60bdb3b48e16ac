import type { Clock } from '../../../functions/ingest/sources/nvd/nvd-client.ts';

/** A clock whose sleep returns at once and moves time forward, recording each wait. */
export function fakeClock(start = Date.parse('2025-08-25T02:00:00Z')): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}
