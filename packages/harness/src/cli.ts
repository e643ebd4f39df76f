#!/usr/bin/env node
/**
 * `pnpm start`: the main job. Creates a ShardedMap, prefills it, runs a mixed read/write/iterate
 * workload on every thread at once (runWorkload), verifies it, prints a table and writes the
 * whole result as JSON. `--help` lists the flags. Exit codes: 0 verified, 1 failed, 2 bad flags.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ShardedMap } from '@shardmap/core';
import type { HarnessError } from './errors.js';
import { helpText, parseCliArgs, UsageError, type CliOptions } from './cli/args.js';
import { describeRun, progressLine, resultDocument, resultTable } from './cli/report.js';
import { planWorkload, type WorkloadOptions } from './options.js';
import { runWorkload, type WorkloadResult } from './node/runner.js';

/** Runs the CLI with these arguments; resolves with the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions;
  let workload: WorkloadOptions;
  try {
    options = parseCliArgs(argv);
    if (options.help) {
      process.stdout.write(helpText());
      return 0;
    }
    workload = workloadOptions(options);
    planWorkload(workload); // reject a bad --mix etc. as a usage error, before any thread starts
  } catch (error) {
    if (!(error instanceof UsageError) && (error as HarnessError).code !== 'ERR_SHARDMAP_HARNESS_OPTION') throw error;
    process.stderr.write(`shardmap: ${(error as Error).message.replace(/^option "mix"/, '--mix')}\nRun with --help for the options.\n`);
    return 2;
  }
  return runAndReport(options, workload);
}

function workloadOptions(options: CliOptions): WorkloadOptions {
  return {
    threads: options.threads,
    ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : { ops: options.ops }),
    mix: options.mix,
    keys: options.keys,
    distribution: options.dist,
    partition: options.partition,
    ...(options.prefill === undefined ? {} : { prefill: options.prefill }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  };
}

async function runAndReport(options: CliOptions, workload: WorkloadOptions): Promise<number> {
  const startedAt = new Date();
  process.stdout.write(`${describeRun(options, planWorkload(workload).mix)}\n`);
  let result: WorkloadResult;
  try {
    // Integer keys and double values: the typed codecs, no per-entry serialisation.
    const map = ShardedMap.create<number, number>({ keys: 'int32', values: 'number', mode: options.mode });
    result = await runWithProgress({ ...workload, map, failOnMismatch: false });
  } catch (error) {
    process.stderr.write(`shardmap: the run failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  process.stdout.write(`seed ${result.plan.seed} · ${(result.elapsedMs / 1000).toFixed(2)} s\n\n${resultTable(result)}\n`);
  const path = resolve(options.json);
  try {
    await writeFile(path, `${JSON.stringify(resultDocument(result, options, startedAt), null, 2)}\n`);
    process.stdout.write(`\nresult written to ${path}\n`);
  } catch (error) {
    process.stderr.write(`shardmap: could not write ${path}: ${(error as Error).message}\n`);
    return 1;
  }
  return result.verification.verified ? 0 : 1;
}

/** Runs the workload, with a live progress line when stderr is a terminal. */
async function runWithProgress(workload: WorkloadOptions): Promise<WorkloadResult> {
  const tty = process.stderr.isTTY === true;
  const show = tty ? (line: string): void => void process.stderr.write(`\r\x1b[2K${line}`) : undefined;
  try {
    return await runWorkload({ ...workload, ...(show ? { onProgress: (p) => show(progressLine(p)) } : {}) });
  } finally {
    if (tty) process.stderr.write('\r\x1b[2K');
  }
}

process.exitCode = await main(process.argv.slice(2));
