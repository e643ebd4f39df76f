/**
 * SVG charts via Vega-Lite, rendered headless in Node (vega's `view.toSVG()`, no browser, no
 * canvas). Each chart is a declarative spec over rows taken from results.json.
 */
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';
import type { BenchResults } from './results.js';

/** One named SVG file's content. */
export interface Chart {
  readonly file: string;
  readonly title: string;
  readonly svg: string;
}

interface ThroughputRow {
  workload: string;
  target: string;
  threads: number;
  median: number;
  min: number;
  max: number;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function targetLabels(results: BenchResults): string[] {
  return results.multi?.targets.map((t) => t.label) ?? [];
}

function throughputRows(results: BenchResults, suite: string): ThroughputRow[] {
  const label = new Map(results.multi?.targets.map((t) => [t.id, t.label]) ?? []);
  return (results.multi?.cells ?? [])
    .filter((c) => c.suite === suite && c.error === undefined && c.summary.n > 0)
    .map((c) => ({
      workload: c.workload,
      target: label.get(c.target) ?? c.target,
      threads: c.threads,
      median: c.summary.median,
      min: c.summary.min,
      max: c.summary.max,
    }));
}

/** Median ops/s against threads, one line per target, min–max as error bars; log y. */
/** Vega's tableau10 scheme, assigned by registry order so a baseline has one colour everywhere. */
const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

/** Colour scale over the labels present, each keeping its colour from the full ordered list. */
function colorScale(allLabels: readonly string[], present: readonly string[]) {
  const domain = allLabels.filter((l) => present.includes(l));
  return { domain, range: domain.map((l) => PALETTE[allLabels.indexOf(l) % PALETTE.length]!) };
}

function throughputLayers(threads: readonly number[], targets: readonly string[], rows: readonly ThroughputRow[]) {
  const x = { field: 'threads', type: 'ordinal' as const, title: 'threads', sort: [...threads], axis: { labelAngle: 0 } };
  const present = [...new Set(rows.map((r) => r.target))];
  const color = { field: 'target', type: 'nominal' as const, title: 'baseline', scale: colorScale(targets, present) };
  return [
    {
      mark: { type: 'line' as const, point: true },
      encoding: {
        x,
        y: {
          field: 'median',
          type: 'quantitative' as const,
          scale: { type: 'log' as const },
          title: 'ops/s (median)',
          axis: { format: '~s', tickCount: 6 },
        },
        color,
        tooltip: [{ field: 'target' }, { field: 'threads' }, { field: 'median', format: '.3s' }],
      },
    },
    {
      mark: { type: 'rule' as const },
      encoding: { x, y: { field: 'min', type: 'quantitative' as const }, y2: { field: 'max' }, color },
    },
  ];
}

export async function workloadChart(results: BenchResults, suite: string, workload: string): Promise<Chart | undefined> {
  const values = throughputRows(results, suite).filter((r) => r.workload === workload);
  if (values.length === 0) return undefined;
  const svg = await renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${suite} ${workload}: throughput vs threads`,
    width: 420,
    height: 260,
    data: { values },
    layer: throughputLayers(results.multi?.threads ?? [1, 2, 4], targetLabels(results), values),
  } as TopLevelSpec);
  return { file: `${suite}-${workload}.svg`, title: `${suite} ${workload}`, svg };
}

/** All workloads of a suite in one faceted figure (independent y scales). */
export async function suiteOverviewChart(results: BenchResults, suite: string, columns: number): Promise<Chart | undefined> {
  const values = throughputRows(results, suite);
  if (values.length === 0) return undefined;
  const svg = await renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${suite}: ops/s (median, log scale; bars = min–max) vs threads`,
    data: { values },
    facet: { field: 'workload', type: 'nominal', title: null, sort: [...new Set(values.map((v) => v.workload))] },
    columns,
    spec: { width: 180, height: 130, layer: throughputLayers(results.multi?.threads ?? [1, 2, 4], targetLabels(results), values) },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec);
  return { file: `${suite}-overview.svg`, title: `${suite} overview`, svg };
}

/** Single-thread ops/s per operation, grouped by target, one panel per key/value kind. */
export async function singleChart(results: BenchResults, size: number): Promise<Chart | undefined> {
  const label: Record<string, string> = { map: 'Map', sharded: 'ShardedMap', 'sharded-1': 'ShardedMap shards:1', sharedmap: 'npm sharedmap' };

  const values = (results.single?.results ?? [])
    .filter((r) => r.size === size)
    .map((r) => ({
      op: r.op,
      kind: `${r.keyKind} keys → ${r.valueKind} values`,
      target: label[r.target] ?? r.target,
      median: r.summary.median,
      min: r.summary.min,
      max: r.summary.max,
    }));
  if (values.length === 0) return undefined;
  // Bars on a log scale need a positive baseline: the decade below the smallest value.
  const floor = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...values.map((v) => v.min)))));
  const subjects = ['Map', 'ShardedMap', 'ShardedMap shards:1', 'npm sharedmap'];
  const colors = colorScale(subjects, [...new Set(values.map((v) => v.target))]);
  const x = { field: 'op', type: 'nominal', title: null, sort: ['get', 'set', 'has', 'delete', 'loadOrStore', 'add'], axis: { labelAngle: 0 } };
  const svg = await renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `single thread, ${size.toLocaleString('en-US')} entries: ops/s (median, log scale; bars = min–max)`,
    data: { values },
    facet: { field: 'kind', type: 'nominal', title: null },
    columns: 2,
    spec: {
      width: 320,
      height: 170,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x,
            xOffset: { field: 'target', sort: subjects },
            y: { field: 'median', type: 'quantitative', scale: { type: 'log', domainMin: floor }, title: 'ops/s', axis: { format: '~s' } },
            y2: { datum: floor },
            color: { field: 'target', type: 'nominal', title: 'subject', scale: colors },
          },
        },
        {
          mark: { type: 'rule', color: 'black' },
          encoding: { x, xOffset: { field: 'target', sort: subjects }, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } },
        },
      ],
    },
  } as TopLevelSpec);
  return { file: `single-${size}.svg`, title: `single thread, ${size} entries`, svg };
}
