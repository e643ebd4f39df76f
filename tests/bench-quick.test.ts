/**
 * `pnpm bench` smoke tests: the quick mode's machinery end to end at tiny sizes (every baseline,
 * both suites, charts and report), the report's derived numbers on synthetic data, and the CLI's
 * flags. Nothing here asserts a speed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// The bench package is not a dependency of tests/; its built entry point is loaded directly
// (the global setup builds every package first).
import * as bench from '../packages/bench/dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'packages/bench/dist/cli.js');

describe('pnpm bench --quick machinery, tiny sizes', () => {
  it('runs both suites against every baseline and writes results.json, REPORT.md and SVG charts', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
    const parsed = bench.parseBenchArgs([
      '--quick',
      '--sizes', '1000',
      '--capacity-log2', '10',
      '--go-ops', '512',
      '--threads', '1,2',
      '--runs', '3',
      '--workloads', 'ReadHeavy,Exchange,RapidGrow,LoadMostlyHits,DisjointLoads,LoadOrStoreBalanced,Range,AdversarialDelete,CompareAndDeleteMostlyHits,Clear',
      '--out', out,
    ]);
    if (parsed.help) throw new Error('unexpected --help');
    const written = await bench.runBench(parsed.config, () => {});
    const results = JSON.parse(fs.readFileSync(written.resultsFile, 'utf8')) as bench.BenchResults;

    expect(results.schemaVersion).toBe(1);
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.machine.node).toBe(process.version);
    expect(typeof results.machine.cpuModel).toBe('string');

    // Single thread: every op for Map and ShardedMap, with 3 runs each.
    const single = results.single!;
    const ops = new Set(single.results.filter((r) => r.target === 'map').map((r) => r.op));
    expect([...ops].sort()).toEqual(['add', 'delete', 'get', 'has', 'loadOrStore', 'set']);
    for (const r of single.results) {
      expect(r.runs).toHaveLength(3);
      expect(r.summary.n).toBe(3);
      expect(r.summary.min).toBeLessThanOrEqual(r.summary.median);
      expect(r.summary.median).toBeLessThanOrEqual(r.summary.max);
    }
    expect(single.results.some((r) => r.target === 'sharded')).toBe(true);
    expect(single.results.some((r) => r.target === 'sharedmap' && r.keyKind === 'str16')).toBe(true);
    expect(single.results.some((r) => r.target === 'sharedmap' && r.keyKind === 'int')).toBe(false);
    // Every key kind ran for every subject that takes it, built keys included.
    for (const target of ['map', 'sharded']) {
      expect(new Set(single.results.filter((r) => r.target === target).map((r) => r.keyKind)), target).toEqual(new Set(['int', 'str16', 'built']));
    }

    // Multi thread: every available baseline ran, every cell completed and passed its checks.
    const multi = results.multi!;
    expect(multi.threads).toEqual([1, 2]);
    const ran = new Set(multi.cells.map((c) => c.target));
    for (const id of ['sharded', 'sharded-1', 'postmessage', 'sharedmap', 'lmdb', 'cow']) expect(ran.has(id), id).toBe(true);
    for (const c of multi.cells) {
      expect(c.error, `${c.workload} × ${c.target} × ${c.threads}`).toBeUndefined();
      expect(c.verified, `${c.workload} × ${c.target} × ${c.threads}`).toBe(true);
      expect(c.runs).toHaveLength(3);
      expect(c.summary.median).toBeGreaterThan(0);
    }
    // bustle cells know the size the map must end with, and it matched.
    const bustle = multi.cells.filter((c) => c.suite === 'bustle');
    expect(bustle.length).toBeGreaterThan(0);
    for (const c of bustle) for (const r of c.runs) expect(r.actualSize).toBe(r.expectedSize);
    // The copy-on-write map skips what Go skips for DeepCopyMap, and says why.
    expect(multi.cells.some((c) => c.target === 'cow' && c.workload === 'LoadOrStoreBalanced')).toBe(false);
    expect(multi.skipped.some((s) => s.target === 'cow' && s.workload === 'LoadOrStoreBalanced')).toBe(true);

    // The headline comparisons are all listed; quick runs are too short to give their ratios, and say so.
    expect(results.headline.map((h) => h.name)).toEqual(expect.arrayContaining([expect.stringContaining('postMessage'), expect.stringContaining('sharedmap'), expect.stringContaining('lmdb')]));
    for (const h of results.headline) {
      if (h.measured === undefined) expect(h.detail).toMatch(/shorter than \d+ ms: no ratio|no data/);
      else expect(h.measured).toBeGreaterThan(0);
    }

    const report = fs.readFileSync(written.reportFile, 'utf8');
    for (const heading of ['## Machine', '## Headline comparisons', '## Key results', '## Multi-thread', '## Single thread', '#### ReadHeavy', '#### LoadMostlyHits']) {
      expect(report).toContain(heading);
    }
    expect(report).toContain('eff 2');
    expect(report).toMatch(/ratios and efficiencies are shown only from cells whose runs last at least \d+ ms/);
    expect(report).not.toMatch(/#\d|\bbars?\b(?! = min)|missed/);
    expect(report).toContain('ShardedMap ÷ baseline');
    expect(written.chartFiles.length).toBeGreaterThanOrEqual(3);
    for (const f of written.chartFiles) {
      const svg = fs.readFileSync(f, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(report).toContain(`charts/${path.basename(f)}`);
    }
    fs.rmSync(out, { recursive: true, force: true });
  }, 240_000);
});

describe('--rounds', () => {
  it('runs the multi-thread matrix that many times and pools each cell\'s runs, order of cells kept', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rounds-'));
    const parsed = bench.parseBenchArgs([
      '--only', 'multi', '--go-ops', '2048', '--threads', '1,2', '--runs', '2', '--warmup-runs', '0', '--rounds', '3',
      '--workloads', 'DisjointLoads,SwapMostlyMisses', '--targets', 'sharded,syncmap', '--out', out,
    ]);
    if (parsed.help) throw new Error('unexpected --help');
    const lines: string[] = [];
    const written = await bench.runBench(parsed.config, (line) => void lines.push(line));
    const cells = written.results.multi!.cells;
    expect(cells.map((c) => `${c.workload}|${c.target}|${c.threads}`)).toEqual(
      ['sharded', 'syncmap'].flatMap((t) => [1, 2].flatMap((n) => ['DisjointLoads', 'SwapMostlyMisses'].map((w) => `${w}|${t}|${n}`))),
    );
    for (const c of cells) {
      expect(c.runs).toHaveLength(6); // 3 rounds × 2 runs
      expect(c.summary.n).toBe(6);
      expect(c.verified).toBe(true);
    }
    // Round 2 runs the targets in reverse order.
    const round2 = lines.filter((l) => l.includes('round 2/3'));
    expect(round2[0]).toContain('syncmap');
    expect(round2[round2.length - 1]).toContain('× 2 thr');
    expect(lines.filter((l) => l.includes('round 3/3'))[0]).not.toContain('syncmap');
    fs.rmSync(out, { recursive: true, force: true });
  }, 120_000);
});

describe('report numbers', () => {
  const cell = (workload: string, target: string, threads: number, median: number): bench.MultiCell => ({
    suite: 'bustle',
    workload,
    target,
    threads,
    opsPerRun: 1000,
    runs: [],
    summary: { n: 3, median, min: median * 0.9, max: median * 1.1, mean: median, stdev: 0 },
    verified: true,
  });
  const results = (cells: bench.MultiCell[]): bench.BenchResults => ({
    schemaVersion: 1,
    startedAt: '',
    finishedAt: '',
    durationSec: 0,
    mode: 'custom',
    config: {},
    machine: { cpuModel: 'x', cores: 2, availableParallelism: 2, node: 'v20', v8: '', platform: 'linux', arch: 'x64', totalMemoryGiB: 1, loadAverage1m: 0 },
    multi: { threads: [1, 2, 4], targets: [], workloads: [{ suite: 'bustle', name: 'ReadHeavy', description: '' }], cells, skipped: [] },
    headline: [],
  });

  it('computes scaling efficiency as ops(N) / (N × ops(1)) and ratios from medians', () => {
    const r = results([cell('ReadHeavy', 'sharded', 1, 100), cell('ReadHeavy', 'sharded', 2, 180), cell('ReadHeavy', 'sharded', 4, 200), cell('ReadHeavy', 'postmessage', 2, 9)]);
    expect(bench.scalingEfficiency(r, 'ReadHeavy', 'sharded', 2)).toBeCloseTo(0.9);
    expect(bench.scalingEfficiency(r, 'ReadHeavy', 'sharded', 4)).toBeCloseTo(0.5);
    expect(bench.ratio(r, 'ReadHeavy', 'sharded', 'postmessage', 2)).toBeCloseTo(20);
    const headline = bench.computeHeadline(r);
    expect(headline.find((h) => h.name.startsWith('ReadHeavy: 2 threads'))?.measured).toBeCloseTo(1.8);
    expect(headline.find((h) => h.name.includes('postMessage'))?.measured).toBeCloseTo(20);
    expect(headline.find((h) => h.name.includes('sharedmap'))?.measured).toBeUndefined(); // not measured
    // runs shorter than the minimum give no ratio or efficiency
    const short = (c: bench.MultiCell): bench.MultiCell => ({ ...c, runs: [{ wallMs: bench.MIN_RUN_MS_FOR_RATIO / 10 } as bench.MultiCell['runs'][number]] });
    const q = results([short(cell('ReadHeavy', 'sharded', 1, 100)), short(cell('ReadHeavy', 'sharded', 2, 180)), cell('ReadHeavy', 'postmessage', 2, 9)]);
    expect(bench.scalingEfficiency(q, 'ReadHeavy', 'sharded', 2)).toBeUndefined();
    expect(bench.ratio(q, 'ReadHeavy', 'sharded', 'postmessage', 2)).toBeUndefined();
    expect(bench.computeHeadline(q).find((h) => h.name.includes('postMessage'))?.detail).toMatch(/shorter than \d+ ms: no ratio/);
  });

  it('summarizes runs with median, min–max and sample stdev', () => {
    expect(bench.summarize([3, 1, 2])).toMatchObject({ n: 3, median: 2, min: 1, max: 3, mean: 2, stdev: 1 });
    expect(bench.summarize([4, 1, 3, 2]).median).toBe(2.5);
  });
});

describe('pnpm bench --only redis', () => {
  // Not run here: its workers load node-redis (about a second each on this machine) in three
  // phases, which is a suite's worth of time; `pnpm bench --only redis --quick` runs it in ~20 s.
  it('parses to the redis bench alone, quick or full', () => {
    const quick = bench.parseBenchArgs(['--only', 'redis', '--quick', '--seed', '7']);
    if (quick.help) throw new Error('unexpected --help');
    expect(quick.config.redis).toEqual({ quick: true, seed: 7 });
    expect(quick.config.cache).toBeUndefined();
    const full = bench.parseBenchArgs(['--only', 'redis']);
    if (full.help) throw new Error('unexpected --help');
    expect(full.config.redis?.quick).toBe(false);
  });
});

describe('pnpm bench CLI', () => {
  it('--only memory measures bytes per entry of Map and ShardedMap, each cell in a process of its own, and writes memory.md and memory.json', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'));
    const r = spawnSync(process.execPath, [cli, '--only', 'memory', '--sizes', '2000', '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const { cells } = JSON.parse(fs.readFileSync(path.join(out, 'memory.json'), 'utf8')) as {
      cells: { kind: string; mode: string; entries: number; mapBytes: number; usedBytes: number; handedOutBytes: number; committedBytes: number; afterDelete: number; afterClear: number; loadMean: number; loadMin: number }[];
    };
    expect(cells.map((c) => `${c.kind} ${c.mode}`)).toEqual(['int→number striped', 'int→number syncmap', 'int32→int32 striped', 'int32→int32 syncmap', '16-char string→number striped', '16-char string→number syncmap']);
    for (const c of cells) {
      expect(c.entries).toBe(2000);
      // A Map entry costs at least its hash-table slot (3 tagged words); a string key its characters too.
      expect(c.mapBytes).toBeGreaterThan(c.kind.startsWith('16-char') ? 40 : 20);
      // A ShardedMap entry holds at least its slot: 8 bytes each for an int32 key and value.
      expect(c.usedBytes).toBeGreaterThan(16);
      expect(c.handedOutBytes).toBeGreaterThanOrEqual(c.usedBytes);
      expect(c.committedBytes).toBeGreaterThanOrEqual(c.handedOutBytes);
      expect(c.afterClear).toBeLessThan(0.5); // the tables of 2,000 entries go back; empty ones stay
      // Striped tables shrink as they drain; syncmap keeps its snapshot until a rebuild and a promotion.
      if (c.mode === 'striped') expect(c.afterDelete).toBeLessThan(0.5);
      else expect(c.afterDelete).toBeGreaterThan(0);
      expect(c.loadMin).toBeGreaterThan(0);
      expect(c.loadMean).toBeLessThanOrEqual(0.875); // a Swiss table's ceiling
    }
    expect(fs.readFileSync(path.join(out, 'memory.md'), 'utf8')).toMatch(/\| int→number \| striped \| 2000 \|/);
  });

  it('--help explains the flags and exits 0', () => {
    const r = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const flag of ['--quick', '--runs', '--threads', '--workloads', '--targets', '--out']) expect(r.stdout).toContain(flag);
  });

  it('exits 2 with a message on an unknown flag or a bad value', () => {
    for (const args of [['--bogus'], ['--runs', 'zero'], ['--rounds', '0'], ['--threads', '1,x'], ['--only', 'both'], ['--sizes', '1500']]) {
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^bench: /);
    }
  });
});
