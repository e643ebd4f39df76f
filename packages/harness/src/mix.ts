/**
 * Operation mixes: which operations a workload runs, as percentages, and the shuffled op vector
 * each worker cycles through (bustle's approach: a fixed, shuffled vector instead of a random
 * draw per op keeps the mix exact over every window of its length and costs one array read).
 */
import { invalidOption } from './errors.js';

/** The operations a workload can run. Index = the op's code in the op vector (thread-ops.ts relies on this order). */
export const OP_NAMES = ['get', 'set', 'delete', 'update', 'add', 'range'] as const;

/** One workload operation. */
export type OpName = (typeof OP_NAMES)[number];

/** Percentages per operation; omitted operations are 0. They must add up to 100. */
export type OpMix = Partial<Record<OpName, number>>;

/** Named mixes. `read-heavy`, `exchange` and `rapid-grow` are bustle's read/insert/remove/update. */
export const MIX_PRESETS = {
  /**
   * The `pnpm start` default, what the map is for: single-key reads and writes, and a rare
   * `range` (one visits 100 entries and costs ~100 gets, so even 0.1 % of the ops is a tenth of
   * the threads' time; the CLI reports it on its own line).
   */
  typical: { mix: { get: 80, set: 8, delete: 5, update: 5, add: 1.9, range: 0.1 }, prefill: 0.5 },
  /** `runWorkload`'s default: every op kind in a visible share (2 % range dominates the time). */
  mixed: { mix: { get: 70, set: 10, delete: 8, update: 5, add: 5, range: 2 }, prefill: 0.5 },
  /** bustle ReadHeavy 98/1/1/0, prefill 75 %. */
  'read-heavy': { mix: { get: 98, set: 1, delete: 1 }, prefill: 0.75 },
  /** bustle Exchange 10/40/40/10, prefill 75 %. */
  exchange: { mix: { get: 10, set: 40, delete: 40, update: 10 }, prefill: 0.75 },
  /** bustle RapidGrow 5/80/5/10, prefill 0 (the map grows during the run). */
  'rapid-grow': { mix: { get: 5, set: 80, delete: 5, update: 10 }, prefill: 0 },
  /** Only reads: the best case for any map. */
  'read-only': { mix: { get: 100 }, prefill: 0.75 },
  /** Contended counters: every op is an `add` on a handful of shared keys. */
  counters: { mix: { add: 100 }, prefill: 0 },
} as const satisfies Record<string, { mix: OpMix; prefill: number }>;

/** Names of {@link MIX_PRESETS}. */
export type MixPresetName = keyof typeof MIX_PRESETS;

/** Aliases accepted in mix strings (bustle's vocabulary). */
const ALIASES: Record<string, OpName> = { read: 'get', insert: 'set', remove: 'delete', iterate: 'range' };

/**
 * Parses a mix: a preset name, `"get=90,set=5,delete=5"` (also `read`/`insert`/`remove`/`iterate`),
 * or positional `"98/1/1/0"` in the order get/set/delete/update/add/range.
 */
export function parseMix(text: string): OpMix {
  const trimmed = text.trim();
  if (trimmed in MIX_PRESETS) return { ...MIX_PRESETS[trimmed as MixPresetName].mix };
  if (/^[\d.]+(\/[\d.]+)*$/.test(trimmed)) return parsePositional(trimmed);
  const mix: OpMix = {};
  for (const part of trimmed.split(',')) {
    const match = /^\s*([a-z]+)\s*[=:]\s*([\d.]+)\s*$/.exec(part);
    const op = match ? (ALIASES[match[1]!] ?? match[1]) : undefined;
    if (!match || !isOpName(op)) {
      throw invalidOption('mix', `cannot read "${part.trim()}": use a preset (${Object.keys(MIX_PRESETS).join(', ')}), ` +
        `"get=90,set=5,delete=5" or "98/1/1/0"`);
    }
    mix[op] = (mix[op] ?? 0) + Number(match[2]);
  }
  return mix;
}

function parsePositional(text: string): OpMix {
  const parts = text.split('/').map(Number);
  if (parts.length > OP_NAMES.length) throw invalidOption('mix', `has ${parts.length} numbers; at most ${OP_NAMES.length} (${OP_NAMES.join('/')})`);
  const mix: OpMix = {};
  parts.forEach((percent, i) => { mix[OP_NAMES[i]!] = percent; });
  return mix;
}

function isOpName(name: string | undefined): name is OpName {
  return (OP_NAMES as readonly string[]).includes(name ?? '');
}

/** Checks a mix (known ops, finite non-negative percentages adding up to 100); returns a full copy. */
export function checkMix(mix: OpMix): Record<OpName, number> {
  if (typeof mix !== 'object' || mix === null) throw invalidOption('mix', 'must be an object of percentages, a preset or a mix string');
  const full = Object.fromEntries(OP_NAMES.map((op) => [op, 0])) as Record<OpName, number>;
  for (const [op, percent] of Object.entries(mix)) {
    if (!isOpName(op)) throw invalidOption('mix', `has an unknown operation "${op}" (known: ${OP_NAMES.join(', ')})`);
    if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0) {
      throw invalidOption('mix', `"${op}" must be a non-negative percentage, got ${String(percent)}`);
    }
    full[op] = percent;
  }
  const total = OP_NAMES.reduce((sum, op) => sum + full[op], 0);
  if (Math.abs(total - 100) > 1e-6) throw invalidOption('mix', `percentages must add up to 100, got ${total}`);
  return full;
}

/**
 * The op vector: op codes in proportion to the mix, shuffled by `random`. Its length is the
 * smallest of 100 / 1000 / 10000 that represents every percentage exactly to 0.01; leftover
 * rounding goes to the largest remainders so the counts always sum to the length.
 */
export function buildOpVector(mix: Record<OpName, number>, random: () => number): Uint8Array {
  const length = [100, 1000, 10_000].find((n) => OP_NAMES.every((op) => Number.isInteger(round6((mix[op] * n) / 100)))) ?? 10_000;
  const exact = OP_NAMES.map((op) => (mix[op] * length) / 100);
  const counts = exact.map(Math.floor);
  let missing = length - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of byRemainder) {
    if (missing-- <= 0) break;
    counts[i]! += 1;
  }
  const vector = new Uint8Array(length);
  let at = 0;
  counts.forEach((count, code) => { vector.fill(code, at, at + count); at += count; });
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = vector[i]!;
    vector[i] = vector[j]!;
    vector[j] = swap;
  }
  return vector;
}

/**
 * `mix` without the operations `drop`, the others scaled up to add to 100 again (to 0.01 %, the
 * largest remaining share taking the rounding): the same workload for a target that lacks them.
 */
export function withoutOps(mix: Readonly<Record<OpName, number>>, drop: readonly OpName[]): Record<OpName, number> {
  const kept = OP_NAMES.filter((op) => !drop.includes(op) && mix[op] > 0);
  const total = kept.reduce((sum, op) => sum + mix[op], 0);
  if (total <= 0) throw invalidOption('mix', `has nothing left without ${drop.join(', ')}`);
  const full = Object.fromEntries(OP_NAMES.map((op) => [op, 0])) as Record<OpName, number>;
  for (const op of kept) full[op] = Math.round((mix[op] * 10_000) / total) / 100;
  const largest = kept.reduce((a, b) => (mix[b] > mix[a] ? b : a));
  full[largest] = round6(full[largest] + 100 - OP_NAMES.reduce((sum, op) => sum + full[op], 0));
  return full;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
