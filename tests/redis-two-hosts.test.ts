/**
 * Two hosts (two processes), each with its own near cache and two workers, on one real
 * redis-server. Each of the 4 workers owns 4 of 16 keys and writes them with increasing numbers;
 * all of them read all keys at random. Checked (redis-host-worker.mjs): no thread reads a value
 * older than one it read before, nor older than its own last resolved write. After every round,
 * once each host has applied the invalidation of a fence written after the round's last write
 * resolved, every thread of both hosts must read exactly what Redis holds. Then redis-server is
 * killed and restarted empty in the middle of a round: afterwards nothing from before is served,
 * and the caches hit again.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, describeWithRedis } from './helpers/redis-server.js';

const SEED = (Math.random() * 2 ** 31) >>> 0;
const KEYS = 16;
const server = new RedisServer();
let plain: ReturnType<typeof createClient>;
let hosts: Host[] = [];
let fences = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RoundResult {
  violations: string[];
  reads: number;
  writes: number;
  errors: number;
}
interface Status {
  fences: number;
  stats: { localHits: number; misses: number; fills: number; invalidations: number; staleFillsRefused: number; reconnects: number; tracking: boolean };
}

class Host {
  readonly #child: ChildProcess;
  readonly #waiting: ((m: { type: string }) => void)[] = [];
  constructor(host: number) {
    this.#child = fork(new URL('./fixtures/redis-host.mjs', import.meta.url), [JSON.stringify({ url: server.url, host, keys: KEYS, seed: SEED })], { serialization: 'advanced' });
    this.#child.on('message', (m: { type: string; message?: string }) => {
      if (m.type === 'error') throw new Error(`host ${host}: ${m.message}`);
      this.#waiting.shift()?.(m);
    });
  }
  next<T>(): Promise<T> {
    return new Promise((resolve) => this.#waiting.push(resolve as (m: { type: string }) => void));
  }
  ask<T>(message: object): Promise<T> {
    const reply = this.next<T>();
    this.#child.send(message);
    return reply;
  }
  kill(): void {
    this.#child.kill('SIGKILL');
  }
}

async function round(ms: number, restarts: boolean, during?: () => Promise<void>): Promise<RoundResult[]> {
  const pending = hosts.map((h) => h.ask<{ results: RoundResult[] }>({ type: 'round', ms, restarts }));
  await during?.();
  return (await Promise.all(pending)).flatMap((r) => r.results);
}

/** Writes the fence after every write resolved; resolves once both hosts applied its invalidation. */
async function fence(): Promise<Status[]> {
  const deadline = Date.now() + 10_000;
  // A host whose tracking is down would never hear of the fence.
  while (!(await Promise.all(hosts.map((h) => h.ask<Status>({ type: 'status' })))).every((s) => s.stats.tracking)) {
    if (Date.now() > deadline) throw new Error('tracking did not come back');
    await sleep(10);
  }
  await plain.set('h:fence', String(++fences));
  for (;;) {
    const status = await Promise.all(hosts.map((h) => h.ask<Status>({ type: 'status' })));
    if (status.every((s) => s.fences >= fences)) return status;
    if (Date.now() > deadline) throw new Error(`fence ${fences} not applied: ${JSON.stringify(status)}`);
    await sleep(2);
  }
}

async function checkAgainstRedis(): Promise<{ mismatches: string[]; stats: Status['stats'] }[]> {
  const expected: Record<string, string | null> = {};
  for (let k = 0; k < KEYS; k++) expected[`h:${k}`] = await plain.get(`h:${k}`);
  return Promise.all(hosts.map((h) => h.ask<{ mismatches: string[]; stats: Status['stats'] }>({ type: 'check', expected })));
}

describeWithRedis(`two hosts, two workers each, one redis-server (seed ${SEED})`, () => {
  beforeAll(async () => {
    await server.start();
    plain = createClient({ url: server.url });
    plain.on('error', () => {});
    await plain.connect();
    hosts = [new Host(0), new Host(1)];
    await Promise.all(hosts.map((h) => h.next()));
  });
  afterAll(async () => {
    for (const h of hosts) h.kill();
    plain?.destroy();
    await server.kill();
  });

  it('every read is no older than what its thread saw or wrote; after a fence, every thread reads what Redis has', async () => {
    let reads = 0;
    let writes = 0;
    for (let r = 0; r < 3; r++) {
      const results = await round(700, false);
      expect(results.flatMap((x) => x.violations)).toEqual([]);
      reads += results.reduce((n, x) => n + x.reads, 0);
      writes += results.reduce((n, x) => n + x.writes, 0);
      await fence();
      const checks = await checkAgainstRedis();
      expect(checks.flatMap((c) => c.mismatches)).toEqual([]);
    }
    const stats = (await fence()).map((s) => s.stats);
    console.log(`FIGURE two hosts: ${reads} reads, ${writes} writes; per host ${stats.map((s) => `${s.localHits} hits / ${s.misses} misses, ${s.invalidations} invalidations, ${s.staleFillsRefused} stale fills refused`).join('; ')}`);
    expect(writes).toBeGreaterThan(100);
    for (const s of stats) expect(s.localHits).toBeGreaterThan(0);
    for (const s of stats) expect(s.invalidations).toBeGreaterThan(0);
  });

  it('redis-server killed and restarted mid-round: no stale value after, and the caches hit again', async () => {
    const results = await round(1500, true, async () => {
      await sleep(300);
      await server.kill();
      await sleep(300);
      await server.start(); // empty
    });
    expect(results.flatMap((x) => x.violations)).toEqual([]);
    expect(results.reduce((n, x) => n + x.errors, 0)).toBeGreaterThan(0);
    const status = await fence();
    for (const s of status) expect(s.stats.reconnects).toBeGreaterThanOrEqual(1);
    const checks = await checkAgainstRedis();
    expect(checks.flatMap((c) => c.mismatches)).toEqual([]);
    const before = status.map((s) => s.stats.localHits);
    const after = await round(500, false);
    expect(after.flatMap((x) => x.violations)).toEqual([]);
    await fence();
    const checks2 = await checkAgainstRedis();
    expect(checks2.flatMap((c) => c.mismatches)).toEqual([]);
    checks2.forEach((c, i) => expect(c.stats.localHits).toBeGreaterThan(before[i]!));
  });
});
