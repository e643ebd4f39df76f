/**
 * REPORT.md from results.json: the headline comparisons first, then the key tables, then every workload
 * (chart, throughput per baseline and thread count, scaling efficiency, ShardedMap's ratio to
 * each baseline), then the single-thread tables, then what was skipped or failed and why.
 */
import type { BenchResults, MultiCell } from './results.js';
import { MIN_RUN_MS_FOR_RATIO, SUBJECT, findCell, longEnough, medianCpuShare, ratio, scalingEfficiency } from './analysis.js';
import { KEY_KINDS, KEY_LABELS } from '../single/suite.js';
import { fmtOps, fmtPct, fmtRatio, fmtSpread, table } from './format.js';

function cellText(cell: MultiCell | undefined): string {
  if (!cell) return '–';
  if (cell.error !== undefined) return `failed: ${cell.error.slice(0, 80)}`;
  const s = cell.summary;
  const share = medianCpuShare(cell);
  const cpu = share !== undefined ? ` · cpu ${fmtPct(share)}` : '';
  return `${fmtSpread(s.median, s.min, s.max)}${cpu}${cell.verified ? '' : ' ✗'}`;
}

function machineSection(r: BenchResults): string {
  const m = r.machine;
  return [
    '## Machine',
    '',
    table(
      ['CPU', 'cores (available)', 'Node', 'V8', 'OS', 'memory', 'load avg (1 min) at start'],
      [[m.cpuModel, `${m.cores} (${m.availableParallelism})`, m.node, m.v8, `${m.platform} ${m.arch}`, `${m.totalMemoryGiB} GiB`, String(m.loadAverage1m)]],
    ),
  ].join('\n');
}

function headlineSection(r: BenchResults): string {
  const rows = r.headline.map((h) => [h.name, fmtRatio(h.measured), h.detail]);
  const short = (r.multi?.cells ?? []).some((c) => c.error === undefined && !longEnough(c));
  const note = r.mode === 'quick' || short
    ? `\n\nA quick or short run: ratios and efficiencies are shown only from cells whose runs last at least ${MIN_RUN_MS_FOR_RATIO} ms (shorter ones measure start-up and scheduling, not the maps); run \`pnpm bench\` for the full figures.`
    : '';
  return ['## Headline comparisons', '', 'ShardedMap against what you would use instead, as ratios of median ops/s (higher is better for ShardedMap).', '', table(['comparison', 'measured', 'how'], rows)].join('\n') + note;
}

function targetLabel(r: BenchResults, id: string): string {
  return r.multi?.targets.find((t) => t.id === id)?.label ?? id;
}

/** Targets that have at least one cell for `workload`, in registry order. */
function targetsOf(r: BenchResults, workload: string): string[] {
  const ids = new Set(r.multi?.cells.filter((c) => c.workload === workload).map((c) => c.target));
  return (r.multi?.targets ?? []).map((t) => t.id).filter((id) => ids.has(id));
}

function throughputTable(r: BenchResults, workload: string, only?: readonly string[]): string {
  const threads = r.multi?.threads ?? [];
  const targets = targetsOf(r, workload).filter((t) => !only || only.includes(t));
  const effThreads = threads.filter((t) => t > 1);
  const header = ['baseline', ...threads.map((t) => `${t} thr: ops/s median [min–max]`), ...effThreads.map((t) => `eff ${t}`)];
  const rows = targets.map((t) => [
    targetLabel(r, t),
    ...threads.map((n) => cellText(findCell(r, workload, t, n))),
    ...effThreads.map((n) => fmtPct(scalingEfficiency(r, workload, t, n))),
  ]);
  return table(header, rows);
}

function ratioTable(r: BenchResults, workload: string): string | undefined {
  const threads = r.multi?.threads ?? [];
  const others = targetsOf(r, workload).filter((t) => t !== SUBJECT);
  if (!targetsOf(r, workload).includes(SUBJECT) || others.length === 0) return undefined;
  const rows = others.map((t) => [targetLabel(r, t), ...threads.map((n) => fmtRatio(ratio(r, workload, SUBJECT, t, n)))]);
  return table([`${targetLabel(r, SUBJECT)} ÷ baseline`, ...threads.map((n) => `${n} thr`)], rows);
}

function keyResultsSection(r: BenchResults): string {
  const out = ['## Key results', ''];
  if (r.multi) {
    out.push('### bustle ReadHeavy, every baseline', '', throughputTable(r, 'ReadHeavy'), '');
    out.push('### bustle Exchange, default vs `shards: 1`', '', throughputTable(r, 'Exchange', [SUBJECT, 'sharded-1']), '');
    const threads = r.multi.threads;
    out.push(
      table(
        ['default ÷ shards:1', ...threads.map((n) => `${n} thr`)],
        [['Exchange', ...threads.map((n) => fmtRatio(ratio(r, 'Exchange', SUBJECT, 'sharded-1', n)))]],
      ),
      '',
    );
  }
  if (r.single) {
    out.push('### Single thread: get / set against Map', '');
    const rows: string[][] = [];
    for (const res of r.single.results) {
      if (res.target === 'map' || (res.op !== 'get' && res.op !== 'set') || res.valueKind !== 'number') continue;
      const base = r.single.results.find(
        (m) => m.target === 'map' && m.op === res.op && m.keyKind === res.keyKind && m.valueKind === res.valueKind && m.size === res.size,
      );
      rows.push([
        res.op,
        `${res.keyKind} → ${res.valueKind}`,
        res.size.toLocaleString('en-US'),
        res.target,
        fmtSpread(res.summary.median, res.summary.min, res.summary.max),
        base ? fmtSpread(base.summary.median, base.summary.min, base.summary.max) : '–',
        base ? fmtRatio(res.summary.median / base.summary.median) : '–',
        String(res.summary.n),
      ]);
    }
    out.push(table(['op', 'keys → values', 'entries', 'subject', 'ops/s median [min–max]', 'Map ops/s', 'subject ÷ Map', 'runs'], rows), '');
  }
  return out.join('\n');
}

function multiSection(r: BenchResults, chartFiles: ReadonlySet<string>): string {
  const multi = r.multi!;
  const runs = multi.cells.find((c) => c.runs.length > 0)?.runs.length ?? 0;
  const out = [
    '## Multi-thread',
    '',
    `Every cell: ${runs} measured runs after warm-up; each run starts its threads together on a shared-memory barrier and gives every thread a fixed number of operations; ops/s = all operations ÷ (last thread's end − first thread's start). Cells show the median and [min–max] over runs; ✗ marks a cell whose checks failed (per-op results or final size). Efficiency = ops/s at N threads ÷ (N × ops/s at 1 thread). "cpu" is the workers' CPU time ÷ (threads × wall time), median over runs: well below 100% means the threads were waiting for a CPU (another process, more threads than cores) or sleeping on a lock, so a low efficiency next to a low cpu share is the machine, not the map. (The postMessage owner thread's CPU is not counted; runs under 200 ms show none: /proc counts in 10 ms ticks.)`,
    '',
    'Baselines:',
    '',
    ...multi.targets.map((t) => `- **${t.label}**: ${t.description}`),
    '',
  ];
  for (const suite of ['bustle', 'go'] as const) {
    const workloads = multi.workloads.filter((w) => w.suite === suite);
    if (workloads.length === 0) continue;
    out.push(suite === 'bustle' ? '### bustle (conc-map-bench mixes)' : "### Go's map_bench_test.go", '');
    if (chartFiles.has(`${suite}-overview.svg`)) out.push(`![${suite} overview](charts/${suite}-overview.svg)`, '');
    for (const w of workloads) {
      out.push(`#### ${w.name}`, '', w.description, '');
      if (chartFiles.has(`${suite}-${w.name}.svg`)) out.push(`![${w.name}](charts/${suite}-${w.name}.svg)`, '');
      out.push(throughputTable(r, w.name), '');
      const rt = ratioTable(r, w.name);
      if (rt) out.push(rt, '');
    }
  }
  return out.join('\n');
}

function singleSection(r: BenchResults, chartFiles: ReadonlySet<string>): string {
  const single = r.single!;
  const out = [
    '## Single thread (tinybench)',
    '',
    `Each sample is a batch of 1000 operations over a shuffled key array; ops/s per run from tinybench's mean; median [min–max] over ${single.results[0]?.summary.n ?? 0} runs; "÷ Map" compares medians.`,
    '',
  ];
  const sizes = [...new Set(single.results.map((x) => x.size))];
  for (const size of sizes) {
    out.push(`### ${size.toLocaleString('en-US')} entries`, '');
    if (chartFiles.has(`single-${size}.svg`)) out.push(`![single ${size}](charts/single-${size}.svg)`, '');
    for (const keyKind of KEY_KINDS) {
      for (const valueKind of ['number', 'object'] as const) {
        const rows = single.results.filter((x) => x.size === size && x.keyKind === keyKind && x.valueKind === valueKind);
        if (rows.length === 0) continue;
        const targets = [...new Set(rows.map((x) => x.target))];
        const ops = [...new Set(rows.map((x) => x.op))];
        const body = ops.map((op) => {
          const map = rows.find((x) => x.op === op && x.target === 'map');
          return [
            op,
            ...targets.flatMap((t) => {
              const x = rows.find((y) => y.op === op && y.target === t);
              if (!x) return t === 'map' ? ['–'] : ['–', '–'];
              const cell = fmtSpread(x.summary.median, x.summary.min, x.summary.max);
              return t === 'map' ? [cell] : [cell, map ? fmtRatio(x.summary.median / map.summary.median) : '–'];
            }),
          ];
        });
        const header = ['op', ...targets.flatMap((t) => (t === 'map' ? ['Map'] : [t, `${t} ÷ Map`]))];
        out.push(`**${KEY_LABELS[keyKind]} → ${valueKind} values**`, '', table(header, body), '');
      }
    }
  }
  return out.join('\n');
}

function skippedSection(r: BenchResults): string {
  const lines: string[] = [];
  for (const s of r.multi?.skipped ?? []) lines.push(`- ${s.suite}${s.workload ? ` ${s.workload}` : ''} × ${s.target}: ${s.reason}`);
  for (const c of r.multi?.cells ?? []) {
    if (c.error !== undefined) lines.push(`- FAILED ${c.suite} ${c.workload} × ${c.target} @ ${c.threads} threads: ${c.error}`);
    else if (!c.verified) lines.push(`- CHECKS FAILED ${c.suite} ${c.workload} × ${c.target} @ ${c.threads} threads`);
  }
  const seen = new Set<string>();
  for (const s of r.single?.skipped ?? []) {
    const line = `- single-thread ${s.target} ${s.keyKind} → ${s.valueKind}${s.op ? ` ${s.op}` : ''}: ${s.reason}`;
    if (!seen.has(line)) lines.push(line);
    seen.add(line);
  }
  return ['## Skipped and failed', '', ...(lines.length ? lines : ['Nothing.'])].join('\n');
}

export function renderMarkdown(r: BenchResults, chartFiles: ReadonlySet<string>): string {
  const parts = [
    '# shardmap benchmark report',
    '',
    `Run ${r.startedAt} (${r.mode} mode, ${Math.round(r.durationSec)} s). Raw data: [results.json](results.json). Numbers on a shared machine are noisy: read ratios and the spread, not single figures.`,
    '',
    machineSection(r),
    '',
    headlineSection(r),
    '',
    keyResultsSection(r),
  ];
  if (r.multi) parts.push(multiSection(r, chartFiles), '');
  if (r.single) parts.push(singleSection(r, chartFiles), '');
  parts.push(skippedSection(r), '');
  return parts.join('\n');
}
