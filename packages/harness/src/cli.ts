#!/usr/bin/env node
/**
 * `pnpm start` (the `shardmap` bin): the main job. Creates a ShardedMap, prefills it and runs
 * single-key reads and writes with a rare range on every thread at once (runWorkload); then the
 * same workload, minus what it cannot run, against a Map owned by one thread behind postMessage
 * (--no-compare skips it). Verifies both, prints one table with both and their ratio, range on a
 * line of its own, and writes the whole result as JSON only with --json <file>. `--help` lists
 * the flags. Exit codes: 0 verified, 1 failed, 2 bad flags.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ShardedMap } from '@shardmap/core';
import type { HarnessError } from './errors.js';
import { helpText, parseCliArgs, UsageError, type CliOptions } from './cli/args.js';
import { describeRun, mixText, progressLine, resultDocument, resultTable } from './cli/report.js';
import { OP_NAMES, withoutOps } from './mix.js';
import { startPostMessageMap, POSTMESSAGE_LACKS } from './node/postmessage.js';
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

const MAP_LABEL = 'ShardedMap';
const POSTMESSAGE_LABEL = 'Map behind postMessage';

async function runAndReport(options: CliOptions, workload: WorkloadOptions): Promise<number> {
  const startedAt = new Date();
  const mix = planWorkload(workload).mix;
  const dropped = OP_NAMES.filter((op) => mix[op] > 0 && POSTMESSAGE_LACKS[op] !== undefined);
  const compareMix = options.compare && dropped.length < OP_NAMES.filter((op) => mix[op] > 0).length ? withoutOps(mix, dropped) : undefined;
  const why = dropped.map((op) => `no ${op}: ${POSTMESSAGE_LACKS[op]}`).join('; ');
  const lacks = dropped.length === 0 ? 'the same mix' : `it runs ${compareMix ? mixText(compareMix) : 'nothing'}, without ${dropped.join(' and ')}`;
  process.stdout.write(`${describeRun(options, mix)}\n`);
  if (options.compare && compareMix === undefined) process.stdout.write(`no comparison: a Map behind postMessage cannot run this mix (${why})\n`);
  else if (compareMix) process.stdout.write(`then the same against a ${POSTMESSAGE_LABEL} (one owner thread, a round trip per op): mix ${mixText(compareMix)}${why ? ` (${why})` : ''}\n`);
  let map: WorkloadResult;
  let comparison: WorkloadResult | undefined;
  try {
    // Integer keys and double values: the typed codecs, no per-entry serialisation.
    const sharded = ShardedMap.create<number, number>({ keys: 'int32', values: 'number', mode: options.mode });
    map = await runWithProgress(MAP_LABEL, { ...workload, map: sharded, failOnMismatch: false });
    if (compareMix) {
      const owner = await startPostMessageMap(map.threads);
      try {
        comparison = await runWithProgress(POSTMESSAGE_LABEL, { ...workload, mix: compareMix, seed: map.plan.seed, target: owner.target, failOnMismatch: false });
      } finally {
        await owner.close();
      }
    }
  } catch (error) {
    process.stderr.write(`shardmap: the run failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const seconds = [map, ...(comparison ? [comparison] : [])].map((r) => `${(r.elapsedMs / 1000).toFixed(2)} s`).join(' + ');
  const table = resultTable({ label: MAP_LABEL, result: map }, comparison && { label: POSTMESSAGE_LABEL, result: comparison, lacks });
  process.stdout.write(`seed ${map.plan.seed} · ${seconds}\n\n${table}\n`);
  if (options.json !== undefined) {
    const path = resolve(options.json);
    try {
      await writeFile(path, `${JSON.stringify(resultDocument(map, comparison && { ...comparison, lacks }, options, startedAt), null, 2)}\n`);
      process.stdout.write(`\nresult written to ${path}\n`);
    } catch (error) {
      process.stderr.write(`shardmap: could not write ${path}: ${(error as Error).message}\n`);
      return 1;
    }
  }
  return map.verification.verified && (comparison?.verification.verified ?? true) ? 0 : 1;
}

/** How often a plain progress line is printed when stderr is not a terminal. */
const PLAIN_PROGRESS_MS = 2_000;

/**
 * Runs the workload with a progress line on stderr: rewritten in place on a terminal, a plain
 * line every PLAIN_PROGRESS_MS otherwise (a log, CI).
 */
async function runWithProgress(label: string, workload: WorkloadOptions): Promise<WorkloadResult> {
  const tty = process.stderr.isTTY === true;
  const show = tty
    ? (line: string): void => void process.stderr.write(`\r\x1b[2K${line}`)
    : (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    return await runWorkload({ ...workload, onProgress: (p) => show(progressLine(label, p)), ...(tty ? {} : { progressIntervalMs: PLAIN_PROGRESS_MS }) });
  } finally {
    if (tty) process.stderr.write('\r\x1b[2K');
  }
}

process.exitCode = await main(process.argv.slice(2));
