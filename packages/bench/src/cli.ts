#!/usr/bin/env node
/** `pnpm bench`: see USAGE in config.ts. */
import { UsageError, USAGE, parseBenchArgs } from './config.js';
import { runCacheBench } from './cache/run-cache.js';
import { runBench } from './run.js';
import { runMemoryBench } from './memory/run-memory.js';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`bench: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { config } = parsed;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  if (config.redis) {
    // Loaded only here: node-redis takes about a second to load, which every other run would pay.
    const { runRedisBench } = await import('./redis/run-redis.js');
    await runRedisBench(config.redis, config.outDir, log);
    return 0;
  }
  if (config.cache) {
    await runCacheBench(config.cache, config.outDir, log);
    return 0;
  }
  if (config.memory && !config.runSingle && !config.runMulti) {
    await runMemoryBench(config.memory, config.outDir, log);
    return 0;
  }
  log(`bench: ${config.mode} run, seed ${config.single.seed}, output in ${config.outDir}/`);
  const written = await runBench(config, log);
  for (const h of written.results.headline) {
    log(`${h.name}: ${h.measured === undefined ? `not measured (${h.detail})` : `${h.measured.toFixed(2)}×`}`);
  }
  log(`bench: wrote ${written.resultsFile}, ${written.reportFile} and ${written.chartFiles.length} charts in ${Math.round(written.results.durationSec)} s`);
  if (config.memory) await runMemoryBench(config.memory, config.outDir, log); // writes memory.md beside REPORT.md
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
