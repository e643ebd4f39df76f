/**
 * One benchmark run end to end: machine facts, the suites, the headline comparisons, then results.json, the
 * charts and REPORT.md in the output directory.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BenchConfig } from './config.js';
import { runMultiSuite } from './multi/run-multi.js';
import { computeHeadline } from './report/analysis.js';
import type { Chart } from './report/charts.js';
import { singleChart, suiteOverviewChart, workloadChart } from './report/charts.js';
import { renderMarkdown } from './report/markdown.js';
import type { BenchResults } from './report/results.js';
import { RESULTS_SCHEMA_VERSION } from './report/results.js';
import { runSingleSuite } from './single/suite.js';
import { machineInfo } from './util/machine.js';

export interface WrittenReport {
  readonly results: BenchResults;
  readonly resultsFile: string;
  readonly reportFile: string;
  readonly chartFiles: readonly string[];
}

export async function runBench(config: BenchConfig, log: (line: string) => void): Promise<WrittenReport> {
  const started = Date.now();
  const machine = machineInfo();
  const single = config.runSingle ? await runSingleSuite(config.single, log) : undefined;
  const multi = config.runMulti ? await runMultiSuite(config.multi, log) : undefined;

  const partial: BenchResults = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date().toISOString(),
    durationSec: (Date.now() - started) / 1000,
    mode: config.mode,
    config: config as unknown as Record<string, unknown>,
    machine,
    ...(single ? { single } : {}),
    ...(multi
      ? {
          multi: {
            threads: config.multi.threads,
            targets: multi.targets.map((t) => ({ id: t.id, label: t.label, description: t.description })),
            workloads: multi.workloads.map((w) => ({ suite: w.suite, name: w.name, description: w.description })),
            cells: multi.cells,
            skipped: multi.skipped,
          },
        }
      : {}),
    headline: [],
  };
  const results: BenchResults = { ...partial, headline: computeHeadline(partial) };
  return writeReport(results, config.outDir);
}

/** Writes results.json, charts/*.svg and REPORT.md; also used to re-render a results file. */
export async function writeReport(results: BenchResults, outDir: string): Promise<WrittenReport> {
  const chartsDir = path.join(outDir, 'charts');
  await fs.mkdir(chartsDir, { recursive: true });
  const resultsFile = path.join(outDir, 'results.json');
  await fs.writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);

  const charts: Chart[] = [];
  const add = (c: Chart | undefined): void => void (c && charts.push(c));
  if (results.multi) {
    add(await suiteOverviewChart(results, 'bustle', 3));
    add(await suiteOverviewChart(results, 'go', 5));
    for (const w of results.multi.workloads) add(await workloadChart(results, w.suite, w.name));
  }
  for (const size of new Set(results.single?.results.map((r) => r.size))) add(await singleChart(results, size));
  for (const c of charts) await fs.writeFile(path.join(chartsDir, c.file), c.svg);

  const reportFile = path.join(outDir, 'REPORT.md');
  await fs.writeFile(reportFile, renderMarkdown(results, new Set(charts.map((c) => c.file))));
  return { results, resultsFile, reportFile, chartFiles: charts.map((c) => path.join(chartsDir, c.file)) };
}
