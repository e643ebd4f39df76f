/**
 * `pnpm bench --only memory` (and part of a full run): bytes per entry of ShardedMap against `Map`
 * at 1k, 100k and 1M entries for int→number, int32→int32 and 16-char string→number, both modes,
 * and what stays in use after clear(). Each cell runs in a fresh process (memory/cell.ts) so one
 * cell's garbage never lands in another's figures; Map and ShardedMap share that process. Memory
 * figures are deterministic up to the GC's own bookkeeping: one run per cell.
 *
 * The memory issue's bars (1M entries): int→number ≤ 32 B/entry in use; 16-char string→number
 * ≤ 0.7× Map with its key strings; after clear() ≤ 10% of the full map's bytes still in use.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KINDS, type MemoryCell, type MemoryKind } from './cell.js';

const CELL = fileURLToPath(new URL('./cell.js', import.meta.url));
const KIND_NAMES = Object.keys(KINDS) as MemoryKind[]; // cell.ts measures only when run as a script
const MODES = ['striped', 'syncmap'] as const;

export interface MemorySettings {
  readonly sizes: readonly number[];
}

export const DEFAULT_MEMORY_SIZES: readonly number[] = [1_000, 100_000, 1_000_000];

function runCell(kind: MemoryKind, mode: 'striped' | 'syncmap', entries: number): MemoryCell {
  const out = execFileSync(process.execPath, ['--expose-gc', CELL, kind, mode, String(entries)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as MemoryCell;
}

const b = (x: number): string => x.toFixed(1);

export function renderMemoryTable(cells: readonly MemoryCell[]): string {
  const lines = [
    'Bytes per entry. Map: JS heap growth after full GCs, keys included. ShardedMap: `stats()` — in use (`bytesUsed`), handed out (in use + free for reuse), committed (the buffer\'s length); its own JS heap growth beside. Load: size ÷ capacity sampled 64 times over the fill.',
    '',
    '| kind | mode | entries | Map | in use | ÷ Map | handed out | committed | JS heap | in use after deleting 99% | in use after clear() | load mean / lowest |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of cells) {
    lines.push(
      `| ${c.kind} | ${c.mode} | ${c.entries} | ${b(c.mapBytes)} | ${b(c.usedBytes)} | ${(c.usedBytes / c.mapBytes).toFixed(2)}× | ${b(c.handedOutBytes)} | ${b(c.committedBytes)} | ${b(c.shardedHeapBytes)} | ${(100 * c.afterDelete).toFixed(1)}% | ${(100 * c.afterClear).toFixed(2)}% | ${c.loadMean.toFixed(2)} / ${c.loadMin.toFixed(2)} |`,
    );
  }
  const at1M = cells.filter((c) => c.entries === 1_000_000);
  if (at1M.length > 0) {
    lines.push('', 'The bars at 1M entries:');
    for (const c of at1M) {
      const bars = [
        c.kind === 'int→number' ? `≤ 32 B in use: ${b(c.usedBytes)} ${c.usedBytes <= 32 ? 'met' : 'missed'}` : '',
        c.kind === '16-char string→number' ? `≤ 0.7× Map: ${(c.usedBytes / c.mapBytes).toFixed(2)}× ${c.usedBytes <= 0.7 * c.mapBytes ? 'met' : 'missed'}` : '',
        `after clear() ≤ 10%: ${(100 * c.afterClear).toFixed(2)}% ${c.afterClear <= 0.1 ? 'met' : 'missed'}`,
      ].filter((x) => x !== '');
      lines.push(`- ${c.kind}, ${c.mode}: ${bars.join('; ')}`);
    }
  }
  return lines.join('\n');
}

export async function runMemoryBench(settings: MemorySettings, outDir: string, log: (line: string) => void): Promise<MemoryCell[]> {
  const cells: MemoryCell[] = [];
  for (const entries of settings.sizes) {
    for (const kind of KIND_NAMES) {
      for (const mode of MODES) {
        const cell = runCell(kind, mode, entries);
        log(`memory: ${kind} ${mode} ${entries}: Map ${b(cell.mapBytes)} B, in use ${b(cell.usedBytes)} B, after clear ${(100 * cell.afterClear).toFixed(2)}%`);
        cells.push(cell);
      }
    }
  }
  const table = renderMemoryTable(cells);
  process.stdout.write(`${table}\n`);
  await fs.mkdir(outDir, { recursive: true });
  await fs.writeFile(path.join(outDir, 'memory.md'), `# Memory per entry (Node ${process.versions.node})\n\n${table}\n`);
  await fs.writeFile(path.join(outDir, 'memory.json'), `${JSON.stringify({ node: process.versions.node, cells }, null, 2)}\n`);
  return cells;
}
