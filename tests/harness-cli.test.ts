// `pnpm start` (packages/harness/dist/cli.js): flags, errors with exit code 2, and a real verified run.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'packages/harness/dist/cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'shardmap-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Outcome { code: number; stdout: string; stderr: string }

function run(command: string, args: readonly string[], timeoutMs = 50_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, timeout: timeoutMs, env: { ...process.env, FORCE_COLOR: '0' } }, (error, stdout, stderr) => {
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
    for (const flag of ['--threads', '--duration', '--mix', '--keys', '--dist', '--mode', '--json', '--help']) expect(stdout).toContain(flag);
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

describe('cli runs', () => {
  it('`pnpm start --duration 2` exits 0 with a verified table and a JSON result', async () => {
    const json = join(scratch, 'start.json');
    const { code, stdout, stderr } = await run('pnpm', ['start', '--duration', '2', '--json', json]);
    expect(stderr).not.toMatch(/failed/i);
    expect(code).toBe(0);
    expect(stdout).toMatch(/threads\s+ops\s+ops\/s\s+p50 µs\s+p99 µs\s+p99\.9 µs\s+verified/);
    expect(stdout).toMatch(/^all \d+\s+[\d,]+\s+[\d,]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+yes$/m);
    expect(stdout).toContain('verification: PASSED');
    expect(stdout).not.toContain('\r'); // no progress line when not on a terminal
    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result.verification.verified).toBe(true);
    expect(result.plan.durationMs).toBe(2000);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1900);
    expect(result.ops).toBeGreaterThan(0);
    expect(result.perThread).toHaveLength(result.threads);
    expect(result.machine.node).toBe(process.version);
  });

  it('honours --threads, --ops, --keys, --dist, --mix, --partition, --seed', async () => {
    const json = join(scratch, 'flags.json');
    const { code, stdout } = await cli('--threads', '2', '--ops', '30k', '--keys', '5k', '--dist', 'zipf', '--mix', 'exchange',
      '--partition', 'disjoint', '--seed', '99', '--json', json);
    expect(code).toBe(0);
    expect(stdout).toContain('verification: PASSED');
    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result).toMatchObject({ threads: 2, ops: 30_000, plan: { keys: 5000, distribution: 'zipf', partition: 'disjoint', seed: 99, prefill: 0.75 } });
    expect(result.plan.mix).toEqual({ get: 10, set: 40, delete: 40, update: 10, add: 0, range: 0 });
    expect(result.verification.checks.find((c: { name: string }) => c.name === 'model').status).toBe('pass');
  });

  it('a --json path that cannot be written fails with exit code 1', async () => {
    const { code, stderr } = await cli('--ops', '1000', '--json', join(scratch, 'missing-dir', 'x.json'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/could not write/);
  });
});
