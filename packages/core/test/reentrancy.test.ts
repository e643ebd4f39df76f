/**
 * Error row "an update callback calls back into the same map": every method called on the same
 * map object inside update's callback throws Error ERR_SHARDMAP_REENTRANT (never deadlocks, never
 * takes effect). Caught inside the callback, update still completes; escaping, update throws it
 * and the map is unchanged. Runs in a worker (fixtures/reentrancy.mjs) so a deadlock fails.
 */
import { describe, expect, it } from 'vitest';
import { runFixture } from './helpers/worker.js';

interface Rec {
  name: string;
  caught: { innerError: any; innerReturned: boolean; result: unknown; valueAfter: unknown; othersUnchanged: boolean };
  escaped: { outerError: any; unchanged: boolean };
  usableAfter: boolean;
}

describe('ERR_SHARDMAP_REENTRANT', () => {
  it('every method called from inside an update callback throws it and has no effect', async () => {
    const out = await runFixture('reentrancy.mjs', null);
    expect(out.error, 'fixture crashed').toBeUndefined();
    const problems: string[] = [];
    for (const r of out.results as Rec[]) {
      const inner = r.caught.innerError;
      if (r.caught.innerReturned) problems.push(`${r.name}: returned normally inside update`);
      else if (!inner?.isError || inner.code !== 'ERR_SHARDMAP_REENTRANT') problems.push(`${r.name}: inner threw ${inner?.name} ${inner?.code} ${inner?.message}`);
      if (r.caught.result !== 11 || r.caught.valueAfter !== 11) problems.push(`${r.name}: update after a caught inner error returned ${r.caught.result}, stored ${r.caught.valueAfter}, expected 11`);
      if (!r.caught.othersUnchanged) problems.push(`${r.name}: the inner call changed the map`);
      const outer = r.escaped.outerError;
      if (!outer?.isError || outer.code !== 'ERR_SHARDMAP_REENTRANT') problems.push(`${r.name}: escaping inner error surfaced as ${outer?.name} ${outer?.code} ${outer?.message}`);
      if (!r.escaped.unchanged) problems.push(`${r.name}: map changed although update threw`);
      if (!r.usableAfter) problems.push(`${r.name}: map not usable afterwards`);
    }
    expect((out.results as Rec[]).length).toBe(21);
    expect(problems).toEqual([]);
  });
});
