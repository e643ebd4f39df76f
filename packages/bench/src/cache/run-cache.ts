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
import { hitCosts, shardedCacheHitRatio } from './live.js';
import { WORKERS, hitThroughput, sharingRows, type SharingRow, type ThroughputRow } from './threads.js';

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
  /** The real ShardedCache (SHARDS shards) replaying the trace. */
  readonly cache: number;
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
    `| trace | size | LRU | policy | gap closed | ${SHARDS} shards | gap closed | ShardedCache | gap closed | OPT |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.trace} | ${r.size} | ${pct(r.lru)} | ${pct(r.policy)}${mark(r, r.policy)} | ${gapCell(r, r.policy)} | ${pct(r.sharded)}${mark(r, r.sharded)} | ${gapCell(r, r.sharded)} | ${pct(r.cache)}${mark(r, r.cache)} | ${gapCell(r, r.cache)} | ${pct(r.opt)} |`,
    );
  }
  for (const [name, pick] of [['policy', (r: CacheRow) => r.policy], [`${SHARDS} shards`, (r: CacheRow) => r.sharded], ['ShardedCache', (r: CacheRow) => r.cache]] as const) {
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
        cache: shardedCacheHitRatio(t.keys, size, SHARDS, settings.seed),
        opt: optHitRatio(t.keys, size),
      };
      log(`cache: ${t.name} @${size}: LRU ${pct(row.lru)}, policy ${pct(row.policy)}, ${SHARDS} shards ${pct(row.sharded)}, OPT ${pct(row.opt)}`);
      rows.push(row);
    }
  }
  log(`cache: sharing, ${WORKERS} worker threads`);
  const sharing = await sharingRows(traces, settings.seed);
  const costs = hitCosts(2_000_000, 7);
  log('cache: hit throughput on worker threads');
  const throughput = await hitThroughput(1_000_000, 5);
  const table = [renderCacheTable(rows), '', renderSharing(sharing), '', renderCosts(costs), '', renderThroughput(throughput)].join('\n');
  process.stdout.write(`${table}\n`);
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(path.join(outDir, 'cache-hit-ratio.md'), `# Cache hit ratio (seed ${settings.seed})\n\n${table}\n`);
  await fs.writeFile(path.join(outDir, 'cache-hit-ratio.json'), `${JSON.stringify({ seed: settings.seed, shards: SHARDS, rows, sharing, costs, throughput }, null, 2)}\n`);
  return rows;
}

function renderSharing(rows: readonly SharingRow[]): string {
  const lines = [
    `Sharing beats copies: ${WORKERS} worker threads replay one trace at once, worker w the requests i ≡ w (mod ${WORKERS}); ${WORKERS} private lru-caches of size/${WORKERS} (a miss is a load) against one ShardedCache of size shared by the threads (get, and fetch() on a miss: a load is a loader run, wherever it ran).`,
    '',
    `| trace | size | ${WORKERS} private LRU | shared ShardedCache | loads, private | loads, shared | loads saved |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const saved = r.privateLoads === 0 ? 0 : 1 - r.sharedLoads / r.privateLoads;
    lines.push(`| ${r.trace} | ${r.size} | ${pct(r.privateLru)} | ${pct(r.shared)} | ${r.privateLoads} | ${r.sharedLoads} | ${(100 * saved).toFixed(1)}% |`);
  }
  return lines.join('\n');
}

function renderCosts(rows: readonly { subject: string; ns: number[] }[]): string {
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const map = rows.find((r) => r.subject === 'ShardedMap.get')!;
  const lines = [
    `Hit cost, one thread, 1023 present int keys, ${rows[0]!.ns.length} interleaved runs of 2M gets (median, min..max):`,
    '',
    '| get hit | ns (median) | min..max | × ShardedMap.get |',
    '|---|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.subject} | ${median(r.ns).toFixed(1)} | ${Math.min(...r.ns).toFixed(1)}..${Math.max(...r.ns).toFixed(1)} | ${(median(r.ns) / median(map.ns)).toFixed(2)} |`);
  }
  return lines.join('\n');
}

function renderThroughput(rows: readonly ThroughputRow[]): string {
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const lines = [
    `Hit throughput on worker threads, 1023 present int keys, ${rows[0]!.ns.length} runs of 1M hits a thread (every thread starts at one barrier; median, min..max):`,
    '',
    '| hit | threads | ns per hit, per thread | min..max | M hits/s, all threads | × ShardedMap.get | × lru-cache |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const map = rows.find((x) => x.threads === r.threads && x.subject.startsWith('ShardedMap.get'))!;
    const lru = rows.find((x) => x.threads === r.threads && x.subject.startsWith('lru-cache'))!;
    const m = median(r.ns);
    lines.push(
      `| ${r.subject} | ${r.threads} | ${m.toFixed(1)} | ${Math.min(...r.ns).toFixed(1)}..${Math.max(...r.ns).toFixed(1)} | ${((r.threads * 1000) / m).toFixed(2)} | ${(m / median(map.ns)).toFixed(2)} | ${(m / median(lru.ns)).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}
