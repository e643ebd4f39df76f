// `pnpm start` (packages/harness/dist/cli.js, the package's `shardmap` bin): flags, errors with
// exit code 2, and real verified runs of the map and the Map behind postMessage.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'packages/harness/dist/cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'shardmap-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Outcome { code: number; stdout: string; stderr: string }

function run(command: string, args: readonly string[], timeoutMs = 50_000, cwd = ROOT): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: timeoutMs, env: { ...process.env, FORCE_COLOR: '0' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const cli = (...args: string[]): Promise<Outcome> => run(process.execPath, [CLI, ...args]);

describe('cli flags', () => {
  it('--help explains every flag and exits 0', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const flag of ['--threads', '--duration', '--mix', '--keys', '--dist', '--mode', '--json', '--no-compare', '--help']) expect(stdout).toContain(flag);
    expect(stdout).toMatch(/--json <file>.*default: no file/);
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--threads', '0'], /--threads must be an integer from 1/],
    [['--threads', 'many'], /--threads must be an integer from 1 to 1024, got "many"/],
    [['--duration=-3'], /--duration must be a positive time/],
    [['--duration', '0s'], /--duration must be a positive time/],
    [['--duration'], /argument missing|requires|missing/i],
    [['--keys', 'lots'], /--keys must be a positive whole number/],
    [['--dist', 'pareto'], /--dist must be one of uniform, zipf, got "pareto"/],
    [['--mode', 'fast'], /--mode must be one of striped, syncmap, got "fast"/],
    [['--mix', 'get=50'], /--mix percentages must add up to 100, got 50/],
    [['--mix', 'read-mostly'], /--mix cannot read "read-mostly"/],
    [['--prefill', '2'], /--prefill must be a number from 0 to 1/],
    [['--duration', '1', '--ops', '10'], /exclude each other/],
    [['stray'], /Unexpected argument 'stray'/],
  ])('%j → a clear message and exit code 2', async (args, message) => {
    const { code, stderr, stdout } = await cli(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('--help');
    expect(stdout).toBe('');
  });
});

/** A data row of the comparison table: target, threads, single-key ops, ops/s, p50, p99, p99.9, verified. */
const tableRow = (label: string): RegExp => new RegExp(`^${label}\\s+\\d+\\s+[\\d,]+\\s+[\\d,]+\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+yes$`, 'm');

describe('cli runs', () => {
  it('`pnpm start --duration 2 --json f` exits 0 with both rows, their ratio, range apart and a JSON result', async () => {
    const json = join(scratch, 'start.json');
    const { code, stdout, stderr } = await run('pnpm', ['start', '--duration', '2', '--json', json]);
    expect(stderr).not.toMatch(/failed/i);
    expect(code).toBe(0);
    expect(stdout).toMatch(/target\s+threads\s+single-key ops\s+ops\/s\s+p50 µs\s+p99 µs\s+p99\.9 µs\s+verified/);
    expect(stdout).toMatch(tableRow('ShardedMap'));
    expect(stdout).toMatch(tableRow('Map behind postMessage'));
    expect(stdout).toMatch(/^ratio: ShardedMap runs [\d.]+× the single-key ops\/s of a Map behind postMessage \(it runs get [\d.]+ .*without update and range\)$/m);
    expect(stdout).toMatch(/no update: a callback cannot be posted/);
    expect(stdout).toMatch(/^range \(ShardedMap, apart from the ops\/s above\): [\d,]+ calls of up to 100 entries, [\d,]+ calls\/s, [\d.]+ % of the threads' time$/m);
    expect(stdout).toContain('verification (ShardedMap): PASSED');
    expect(stdout).toContain('verification (Map behind postMessage): PASSED');
    expect(stdout).not.toContain('\r'); // no progress line in place when not on a terminal
    expect(stderr).toMatch(/^ {2}ShardedMap: 2\.0 s \/ 2\.0 s \(0\.0 s left\) · [\d,]+ ops · [\d,]+ ops\/s$/m); // plain progress lines instead
    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result.verification.verified).toBe(true);
    expect(result.plan.durationMs).toBe(2000);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1900);
    expect(result.ops).toBeGreaterThan(0);
    expect(result.perThread).toHaveLength(result.threads);
    expect(result.machine.node).toBe(process.version);
    // the default mix: single-key ops dominate, range is a small share reported apart
    expect(result.plan.mix).toEqual({ get: 80, set: 8, delete: 5, update: 5, add: 1.9, range: 0.1 });
    expect(result.summary.singleKeyOps + result.summary.rangeOps).toBe(result.ops);
    expect(result.summary.singleKeyOpsPerSec).toBeGreaterThanOrEqual(result.opsPerSec * 0.99);
    expect(result.summary.rangeTimeShare).toBeGreaterThan(0);
    expect(result.summary.rangeTimeShare).toBeLessThan(1);
    expect(result.comparison).toMatchObject({ target: 'postmessage-map', threads: result.threads, verification: { verified: true } });
    expect(result.comparison.plan.mix.update).toBe(0);
    expect(result.comparison.plan.mix.range).toBe(0);
    expect(result.comparison.plan.seed).toBe(result.plan.seed);
    expect(result.ratio).toBeCloseTo(result.summary.singleKeyOpsPerSec / result.comparison.summary.singleKeyOpsPerSec, 6);
  });

  it('the `shardmap` bin writes no file unless asked', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/harness/package.json'), 'utf8'));
    const bin = join(ROOT, 'packages/harness', pkg.bin.shardmap);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const cwd = join(scratch, 'empty');
    mkdirSync(cwd);
    const { code, stdout } = await run(process.execPath, [bin, '--threads', '2', '--duration', '1'], 50_000, cwd);
    expect(code).toBe(0);
    expect(stdout).toMatch(tableRow('Map behind postMessage'));
    expect(stdout).not.toContain('result written');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('honours --threads, --ops, --keys, --dist, --mix, --partition, --seed, --no-compare', async () => {
    const json = join(scratch, 'flags.json');
    const { code, stdout } = await cli('--threads', '2', '--ops', '30k', '--keys', '5k', '--dist', 'zipf', '--mix', 'exchange',
      '--partition', 'disjoint', '--seed', '99', '--no-compare', '--json', json);
    expect(code).toBe(0);
    expect(stdout).toContain('verification (ShardedMap): PASSED');
    expect(stdout).not.toContain('postMessage');
    expect(stdout).toContain('range: none in this mix');
    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result).toMatchObject({ threads: 2, ops: 30_000, plan: { keys: 5000, distribution: 'zipf', partition: 'disjoint', seed: 99, prefill: 0.75 } });
    expect(result.plan.mix).toEqual({ get: 10, set: 40, delete: 40, update: 10, add: 0, range: 0 });
    expect(result.verification.checks.find((c: { name: string }) => c.name === 'model').status).toBe('pass');
    expect(result.comparison).toBeUndefined();
  });

  it('a --json path that cannot be written fails with exit code 1', async () => {
    const { code, stderr } = await cli('--ops', '1000', '--no-compare', '--json', join(scratch, 'missing-dir', 'x.json'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/could not write/);
  });
});
