/**
 * What the runner can prove from the threads' reports alone. Each check either passes, fails with
 * the numbers that disagree, or is skipped when the target or the mix gives nothing to compare
 * (a target whose `set` cannot tell new from replaced cannot have its size checked).
 *
 * The size identity holds because every op that changes the key set reports it: prefill and `set`
 * report "new key", `delete` reports "was present", the runner's `update` never inserts and
 * never deletes a present key, and `add` only touches counters created during the prefill.
 */
import type { OpName } from './mix.js';
import type { WorkloadPlan } from './options.js';
import type { ThreadReport } from './report.js';

/** One verification check. */
export interface VerificationCheck {
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  /** What was compared, in words; for a failure, the disagreement. */
  readonly detail: string;
}

/** The verdict on a run. */
export interface Verification {
  /** True when no check failed. */
  readonly verified: boolean;
  readonly checks: readonly VerificationCheck[];
  /** One line per failed check, plus the first problems threads described. */
  readonly failures: readonly string[];
}

type CheckInput = { plan: WorkloadPlan; reports: readonly ThreadReport[]; final: NonNullable<ThreadReport['final']> };

const sum = (reports: readonly ThreadReport[], pick: (r: ThreadReport) => number): number =>
  reports.reduce((total, r) => total + pick(r), 0);

export const pass = (name: string, detail: string): VerificationCheck => ({ name, status: 'pass', detail });
export const fail = (name: string, detail: string): VerificationCheck => ({ name, status: 'fail', detail });
export const skip = (name: string, detail: string): VerificationCheck => ({ name, status: 'skip', detail });
export const compare = (name: string, what: string, expected: number, actual: unknown): VerificationCheck =>
  actual === expected ? pass(name, `${what} = ${expected}`) : fail(name, `${what}: expected ${expected}, got ${String(actual)}`);

/** The verdict on `checks`: the failed ones, then the first problems the threads described. */
export function verdict(checks: readonly VerificationCheck[], examples: readonly string[]): Verification {
  const failures = checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.detail}`);
  const verified = failures.length === 0;
  return { verified, checks, failures: verified ? [] : [...failures, ...examples] };
}

function opsUsed(input: CheckInput, op: OpName): boolean {
  return input.plan.mix[op] > 0;
}

function checkOpCounts({ plan, reports }: CheckInput): VerificationCheck {
  const ops = sum(reports, (r) => r.ops);
  const counted = sum(reports, (r) => r.opCounts.reduce((a, b) => a + b, 0));
  if (counted !== ops) return fail('op-counts', `per-op counts add up to ${counted}, but threads did ${ops} ops`);
  if (plan.totalOps !== undefined) return compare('op-counts', 'ops done', plan.totalOps, ops);
  return pass('op-counts', `${ops} ops, per-op counts agree`);
}

function checkValues({ reports, final }: CheckInput): VerificationCheck {
  const bad = sum(reports, (r) => r.badValues) + (final.scan?.badValues ?? 0);
  return bad === 0 ? pass('values', 'every value read belonged to its key') : fail('values', `${bad} values read did not belong to their key`);
}

function checkRange(input: CheckInput): VerificationCheck {
  const { reports, final } = input;
  if (!opsUsed(input, 'range') && final.scan === undefined) return skip('range-unique', 'no range ops and no final scan');
  const dups = sum(reports, (r) => r.rangeDuplicates) + (final.scan?.duplicates ?? 0);
  return dups === 0 ? pass('range-unique', 'no range call visited a key twice') : fail('range-unique', `${dups} keys visited twice within one range call`);
}

function checkAddTotals(input: CheckInput): VerificationCheck {
  const { plan, reports, final } = input;
  if (!opsUsed(input, 'add')) return skip('add-totals', 'no add ops');
  const wrong: string[] = [];
  for (let c = 0; c < plan.counters; c++) {
    const expected = sum(reports, (r) => r.addDeltas[c]!);
    const actual = final.counters?.[c];
    if (actual !== expected) wrong.push(`counter ${c}: expected ${expected}, got ${String(actual)}`);
  }
  const total = sum(reports, (r) => r.addDeltas.reduce((a, b) => a + b, 0));
  if (wrong.length > 0) return fail('add-totals', `${wrong.length} of ${plan.counters} counters wrong (${wrong.slice(0, 3).join('; ')})`);
  const monotonic = sum(reports, (r) => r.addNotIncreasing);
  if (monotonic > 0) return fail('add-totals', `${monotonic} add results went backwards for the thread that made them`);
  return pass('add-totals', `${plan.counters} counters hold exactly the ${total} added`);
}

function checkPrefill({ reports, final }: CheckInput): VerificationCheck {
  const inserted = sum(reports, (r) => r.prefillInserted);
  const existing = sum(reports, (r) => r.prefillExisting);
  if (existing > 0) return fail('prefill', `${existing} prefill sets of distinct keys reported an existing key`);
  if (final.sizeAfterPrefill === undefined) return skip('prefill', 'target has no size()');
  return compare('prefill', 'size after prefill', inserted, final.sizeAfterPrefill);
}

function checkFinalSize({ reports, final }: CheckInput): VerificationCheck {
  if (final.size === undefined) return skip('final-size', 'target has no size()');
  const unknown = sum(reports, (r) => r.setUnknown);
  if (unknown > 0) return skip('final-size', `target's set() did not say whether ${unknown} keys were new`);
  const prefill = sum(reports, (r) => r.prefillInserted);
  const inserted = sum(reports, (r) => r.inserted);
  const deleted = sum(reports, (r) => r.deleted);
  return compare('final-size', `size = prefill ${prefill} + inserted ${inserted} − deleted ${deleted}`, prefill + inserted - deleted, final.size);
}

function checkScan({ final }: CheckInput): VerificationCheck {
  if (final.scan === undefined || final.size === undefined) return skip('scan', 'target has no range() or no size()');
  return compare('scan', 'entries visited by a full range = size', final.size, final.scan.entries);
}

function checkModel({ plan, reports }: CheckInput): VerificationCheck {
  if (plan.partition !== 'disjoint') return skip('model', 'shared partition: no exact per-thread model');
  const mismatches = sum(reports, (r) => r.modelMismatches);
  return mismatches === 0
    ? pass('model', 'every result matched the owning thread\'s exact model')
    : fail('model', `${mismatches} results disagreed with the owning thread's exact model`);
}

const CHECKS = [checkOpCounts, checkValues, checkRange, checkAddTotals, checkPrefill, checkFinalSize, checkScan, checkModel];

/** Runs every check over the reports (thread 0's report carries the final state). */
export function verifyReports(plan: WorkloadPlan, reports: readonly ThreadReport[]): Verification {
  const final = reports.find((r) => r.final !== undefined)?.final ?? {};
  const input: CheckInput = { plan, reports, final };
  const examples = reports.flatMap((r) => r.examples.map((e) => `thread ${r.worker}: ${e}`)).slice(0, 10);
  return verdict(CHECKS.map((check) => check(input)), examples);
}
