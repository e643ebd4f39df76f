/**
 * Crash safety at every named kill point of every write, in both modes (packages/core/src/
 * kill-points.ts). For each point, a worker running the test build of the core (dist/kill/)
 * parks at the point's first visit in a scenario that reaches it; the test terminates the worker,
 * runs ShardedMap.recoverThread as a pool does, and checks the map against a plain model that
 * accepts either outcome of the operation in flight: every other key and value exact, no key
 * iterated twice, `size` exact, no corruption error. Then a seeded random tail of operations must
 * answer as the model does, and snapshot() and stats() agree with it.
 *
 * Every point in the sources must be reached by some scenario in each mode that has it (striped
 * points in striped mode, syncmap points in syncmap mode; the shared table layer's in both), so a
 * new write step without a scenario fails here. SHARDMAP_SEED replays the random tails.
 */
import { Worker } from 'node:worker_threads';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShardedMap } from '@shardmap/core';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain JS fixture
import { ModelMap, SCENARIOS, applyOp, randomOps } from './fixtures/kill-ops.mjs';

type Op = [string, ...unknown[]];
type Mode = 'striped' | 'syncmap';
const scenarios = SCENARIOS as Record<string, { setup: Op[]; ops: Op[] }>;
const seed = Number(process.env.SHARDMAP_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Every `killPoint('…')` name in the core's sources. */
function killPointsInSources(): string[] {
  const root = fileURLToPath(new URL('../packages/core/src', import.meta.url));
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const path = join(dir, f);
      if (statSync(path).isDirectory()) walk(path);
      else if (f.endsWith('.ts') && f !== 'kill-points.ts') for (const m of readFileSync(path, 'utf8').matchAll(/killPoint\('([\w.-]+)'\)/g)) names.add(m[1]!);
    }
  };
  walk(root);
  return [...names].sort();
}

function pointsOf(mode: Mode, all: string[]): string[] {
  return all.filter((p) => p.startsWith('table.') || p.startsWith(`${mode}.`));
}

function fresh(mode: Mode, scenario: string): ShardedMap<unknown, unknown> {
  const map = ShardedMap.create<unknown, unknown>({ mode, shards: 1, seed: 0x5eed });
  for (const op of scenarios[scenario]!.setup) applyOp(map, op);
  return map;
}

interface Run {
  token: number;
  parked: boolean;
  progress: number;
  visited: string[];
}

/** Runs `scenario` in a worker, parked at `point` (or tracing, if none). */
async function runWorker(map: ShardedMap<unknown, unknown>, scenario: string, point: string | undefined): Promise<Run> {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./fixtures/kill-point-worker.mjs', import.meta.url), {
    workerData: { handle: map.handle, scenario, point, flag: flag.buffer, progress: progress.buffer, trace: point === undefined },
  });
  let token = 0;
  let visited: string[] = [];
  const finished = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: { token?: number; done?: boolean; visited?: string[] }) => {
      if (m.token !== undefined) token = m.token;
      if (m.done) {
        visited = m.visited ?? [];
        resolve();
      }
    });
    worker.once('error', reject);
  });
  const parked = (async () => {
    while (Atomics.load(flag, 0) === 0) await Atomics.waitAsync(flag, 0, 0, 100).value;
  })();
  const deadline = new Promise((_, reject) => setTimeout(() => reject(new Error(`${scenario}: worker neither parked nor finished`)), 30_000));
  const which = await Promise.race([finished.then(() => 'done'), parked.then(() => 'parked'), deadline]);
  const at = Atomics.load(progress, 0);
  await worker.terminate();
  return { token, parked: which === 'parked', progress: at, visited };
}

function modelAfter(scenario: string, n: number): ModelMap {
  const model = new ModelMap();
  const s = scenarios[scenario]!;
  for (const op of s.setup) applyOp(model, op);
  for (let i = 0; i < n; i++) applyOp(model, s.ops[i]!);
  return model;
}

/** The map's contents, failing on a key iterated twice. */
function contents(map: ShardedMap<unknown, unknown>, what: string): Map<unknown, unknown> {
  const seen = new Map<unknown, unknown>();
  for (const [k, v] of map.entries()) {
    expect(seen.has(k), `${what}: key ${String(k)} iterated twice`).toBe(false);
    seen.set(k, v);
  }
  return seen;
}

function sameContents(a: Map<unknown, unknown>, model: ModelMap): boolean {
  if (a.size !== model.size) return false;
  for (const [k, v] of model.m as Map<unknown, unknown>) if (!a.has(k) || a.get(k) !== v) return false;
  return true;
}

async function killAndCheck(mode: Mode, point: string, scenario: string): Promise<void> {
  const map = fresh(mode, scenario);
  const run = await runWorker(map, scenario, point);
  const what = `${mode} ${point} (scenario ${scenario}, op ${run.progress}, seed ${seed})`;
  expect(run.parked, `${what}: the point was not reached`).toBe(true);
  ShardedMap.recoverThread(map.handle, run.token);
  const seen = contents(map, what);
  const before = modelAfter(scenario, run.progress);
  const after = modelAfter(scenario, run.progress + 1);
  const model = sameContents(seen, before) ? before : sameContents(seen, after) ? after : undefined;
  expect(model, `${what}: the map matches neither outcome of the killed op: ${JSON.stringify([...seen])} vs ${JSON.stringify([...before.m])} / ${JSON.stringify([...after.m])}`).toBeDefined();
  expect(map.size, `${what}: size`).toBe(model!.size);
  for (const [k, v] of model!.m as Map<unknown, unknown>) expect(map.get(k), `${what}: get(${String(k)})`).toBe(v);
  const tail = randomOps(seed ^ point.length, 150) as Op[];
  for (let i = 0; i < tail.length; i++) {
    expect(applyOp(map, tail[i]), `${what}: tail op ${i} ${JSON.stringify(tail[i])}`).toEqual(applyOp(model, tail[i]));
  }
  expect(sameContents(contents(map, what), model!), `${what}: contents after the tail`).toBe(true);
  expect(new Map(map.snapshot()), `${what}: snapshot()`).toEqual(model!.m);
  expect(map.stats().size, `${what}: stats().size`).toBe(model!.size);
  expect(map.size).toBe(model!.size);
}

const ALL = killPointsInSources();

describe.each(['striped', 'syncmap'] as Mode[])("every named kill point, mode '%s'", (mode) => {
  const points = pointsOf(mode, ALL);
  /** For each point, the first scenario that reaches it (traced once per scenario). */
  const where = new Map<string, string>();

  it('every point of this mode is reached by a scenario', async () => {
    for (const scenario of Object.keys(scenarios)) {
      const run = await runWorker(fresh(mode, scenario), scenario, undefined);
      expect(run.parked).toBe(false);
      for (const p of run.visited) if (!where.has(p)) where.set(p, scenario);
    }
    const missed = points.filter((p) => !where.has(p));
    expect(missed, `points no scenario reaches in ${mode} mode`).toEqual([]);
    expect(points.length).toBeGreaterThan(mode === 'striped' ? 10 : 25);
  }, 120_000);

  it('a death at any of them loses nothing, duplicates nothing, and leaves size exact', async () => {
    expect(where.size).toBeGreaterThan(0);
    let checked = 0;
    for (const point of points) {
      await killAndCheck(mode, point, where.get(point)!);
      checked++;
    }
    console.log(`FIGURE kill-points: mode=${mode} points=${checked} seed=${seed}`);
    expect(checked).toBe(points.length);
  }, 600_000);
});

describe('the shipped bundle', () => {
  it('holds no kill point', () => {
    const dir = fileURLToPath(new URL('../packages/core/dist/bundle', import.meta.url));
    for (const f of readdirSync(dir)) if (f.endsWith('.js')) expect(readFileSync(join(dir, f), 'utf8')).not.toMatch(/killPoint|armKillPoint/);
  });
});
