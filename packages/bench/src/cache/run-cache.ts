/**
 * `pnpm bench --only cache`: the eviction policy's hit ratio on the traces of shared/traces/
 * against exact LRU (lru-cache, measured) and Belady's OPT (computed), unsharded and split over
 * SHARDS shards. Prints one table and writes it to <out>/cache-hit-ratio.md and .json.
 *
 * The bar (the cache issue): the policy ≥ LRU on every trace and size, and on average at least
 * 40% of the LRU→OPT gap closed, where gap = (policy − LRU) ÷ (OPT − LRU) and OPT − LRU > 0.01
 * points (zigzag's LRU is optimal, so it counts for the first half of the bar only).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { optHitRatio } from './opt.js';
import { loadPolicyModule, lruHitRatio, policyHitRatio } from './replay.js';
import { DEFAULT_TRACE_DIR, loadTraces } from './traces.js';

export interface CacheBenchSettings {
  readonly traces?: readonly string[];
  readonly traceDir?: string;
  readonly seed: number;
}

/** Shards of the sharded replay: the cache's default for a 2-8 core machine. */
const SHARDS = 8;
const BAR_GAP = 0.4;

export interface CacheRow {
  readonly trace: string;
  readonly size: number;
  readonly lru: number;
  readonly policy: number;
  readonly sharded: number;
  readonly opt: number;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const hasGap = (r: CacheRow): boolean => r.opt - r.lru > 1e-4;
const gap = (r: CacheRow, x: number): number => (x - r.lru) / (r.opt - r.lru);
const gapCell = (r: CacheRow, x: number): string => (hasGap(r) ? `${(100 * gap(r, x)).toFixed(0)}%` : '—');
const mark = (r: CacheRow, x: number): string => (x >= r.lru ? '' : ' ✗');

function average(rows: readonly CacheRow[], pick: (r: CacheRow) => number): number {
  const withGap = rows.filter(hasGap);
  return withGap.reduce((s, r) => s + gap(r, pick(r)), 0) / withGap.length;
}

export function renderCacheTable(rows: readonly CacheRow[]): string {
  const lines = [
    `| trace | size | LRU | policy | gap closed | ${SHARDS} shards | gap closed | OPT |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.trace} | ${r.size} | ${pct(r.lru)} | ${pct(r.policy)}${mark(r, r.policy)} | ${gapCell(r, r.policy)} | ${pct(r.sharded)}${mark(r, r.sharded)} | ${gapCell(r, r.sharded)} | ${pct(r.opt)} |`,
    );
  }
  for (const [name, pick] of [['policy', (r: CacheRow) => r.policy], [`${SHARDS} shards`, (r: CacheRow) => r.sharded]] as const) {
    const below = rows.filter((r) => pick(r) < r.lru).map((r) => `${r.trace}@${r.size}`);
    const avg = average(rows, pick);
    lines.push(
      '',
      `${name}: average gap closed ${(100 * avg).toFixed(1)}% (bar ${100 * BAR_GAP}%: ${avg >= BAR_GAP ? 'met' : 'missed'}); ` +
        `≥ LRU everywhere: ${below.length === 0 ? 'met' : `missed at ${below.join(', ')}`}`,
    );
  }
  return lines.join('\n');
}

export async function runCacheBench(settings: CacheBenchSettings, outDir: string, log: (line: string) => void): Promise<CacheRow[]> {
  const mod = await loadPolicyModule();
  const traces = loadTraces(settings.traceDir ?? DEFAULT_TRACE_DIR, settings.traces, log);
  const rows: CacheRow[] = [];
  for (const t of traces) {
    for (const size of t.sizes) {
      const row: CacheRow = {
        trace: t.name,
        size,
        lru: lruHitRatio(t.keys, size),
        policy: policyHitRatio(mod, t.keys, size, 1, settings.seed),
        sharded: policyHitRatio(mod, t.keys, size, SHARDS, settings.seed),
        opt: optHitRatio(t.keys, size),
      };
      log(`cache: ${t.name} @${size}: LRU ${pct(row.lru)}, policy ${pct(row.policy)}, ${SHARDS} shards ${pct(row.sharded)}, OPT ${pct(row.opt)}`);
      rows.push(row);
    }
  }
  const table = renderCacheTable(rows);
  process.stdout.write(`${table}\n`);
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(path.join(outDir, 'cache-hit-ratio.md'), `# Cache hit ratio (seed ${settings.seed})\n\n${table}\n`);
  await fs.writeFile(path.join(outDir, 'cache-hit-ratio.json'), `${JSON.stringify({ seed: settings.seed, shards: SHARDS, rows }, null, 2)}\n`);
  return rows;
}
