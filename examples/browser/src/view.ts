/** Renders the demo's state into the page. Knows the DOM; knows nothing of workers or the map. */
import type { ShardedMapStats } from '@shardmap/core';
import type { DemoResult, DemoSnapshot, ParticipantView } from './run.js';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`view: #${id} is missing from index.html`);
  return found as T;
}

const format = new Intl.NumberFormat('en-US');
const formatRate = (opsPerSecond: number): string =>
  opsPerSecond >= 1e6 ? `${(opsPerSecond / 1e6).toFixed(2)} M/s` : `${format.format(Math.round(opsPerSecond / 1000))} k/s`;

/** Page-wide state, also read by the tests and the screenshot script through `data-state`. */
export function setState(state: 'idle' | 'running' | 'done' | 'failed' | 'error'): void {
  document.body.dataset['state'] = state;
}

export function showIsolation(isolated: boolean): void {
  const badge = element('isolation');
  badge.textContent = isolated ? 'crossOriginIsolated: true' : 'crossOriginIsolated: false';
  badge.className = isolated ? 'badge ok' : 'badge bad';
}

/** The explanatory error: the core's own message, which names the two headers to send. */
export function showError(error: unknown): void {
  const box = element('error');
  box.hidden = false;
  box.querySelector('pre')!.textContent = error instanceof Error ? error.message : String(error);
  setState('error');
}

export function readControls(): { workers: number; durationMs: number } {
  const workers = Number(element<HTMLInputElement>('workers').value);
  const seconds = Number(element<HTMLInputElement>('seconds').value);
  return { workers: Math.max(1, Math.min(16, workers || 4)), durationMs: Math.max(0.5, seconds || 5) * 1000 };
}

export function onRun(handler: () => void): void {
  element<HTMLFormElement>('controls').addEventListener('submit', (event) => {
    event.preventDefault();
    handler();
  });
}

export function setRunning(running: boolean): void {
  element<HTMLButtonElement>('run').disabled = running;
}

/** Live rate while running, the run's average once finished. */
const shownRate = (p: ParticipantView): number => (p.report === undefined ? p.opsPerSecond : p.report.opsPerSecond);

export function renderSnapshot(snapshot: DemoSnapshot): void {
  const peak = Math.max(1, ...snapshot.participants.map(shownRate));
  element('participants').replaceChildren(...snapshot.participants.map((p) => participantRow(p, peak)));
  renderStats(snapshot.stats, snapshot.elapsedMs);
}

export function renderResult(result: DemoResult): void {
  renderSnapshot(result);
  const totalOps = result.participants.reduce((sum, p) => sum + p.ops, 0);
  const box = element('verification');
  box.className = result.verified ? 'verification ok' : 'verification bad';
  const summary = result.verified
    ? `Verified: ${format.format(totalOps)} ops by ${result.participants.length} threads; every own-key read matched, ` +
      `every range() saw each own key once, shared counter exact (${format.format(result.counterExpected)}).`
    : `Verification FAILED (${result.problems.length} problems)`;
  box.replaceChildren(text('p', summary), ...result.problems.slice(0, 10).map((problem) => text('pre', problem)));
  setState(result.verified ? 'done' : 'failed');
}

function participantRow(p: ParticipantView, peak: number): HTMLTableRowElement {
  const row = document.createElement('tr');
  const finished = p.report !== undefined;
  const rate = shownRate(p);
  const bar = document.createElement('div');
  bar.className = finished ? 'bar finished' : 'bar';
  bar.style.width = `${Math.round((100 * rate) / peak)}%`;
  const barCell = document.createElement('td');
  barCell.className = 'bar-cell';
  barCell.append(bar);
  const verdict = !finished ? 'running…' : p.report!.errors.length === 0 ? '✓ verified' : `✗ ${p.report!.errors.length} errors`;
  row.append(
    text('td', p.owner === 'main' ? 'main thread' : `worker ${p.owner}`),
    text('td', format.format(p.ops)),
    text('td', finished ? `${formatRate(rate)} avg` : formatRate(rate)),
    barCell,
    text('td', verdict),
  );
  row.className = finished ? (p.report!.errors.length === 0 ? 'ok' : 'bad') : '';
  return row;
}

function renderStats(stats: ShardedMapStats, elapsedMs: number): void {
  const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(2)} MiB`;
  element('stats').replaceChildren(
    ...[
      ['elapsed', `${(elapsedMs / 1000).toFixed(1)} s`],
      ['size', format.format(stats.size)],
      ['shards', String(stats.shards)],
      ['capacity (slots)', format.format(stats.capacity)],
      ['bytes used', mib(stats.bytesUsed)],
      ['lock acquisitions', format.format(stats.lockAcquisitions)],
      ['contended', format.format(stats.lockContended)],
      ['futex sleeps', format.format(stats.lockWaits)],
    ].map(([label, value]) => {
      const item = document.createElement('div');
      item.append(text('dt', label as string), text('dd', value as string));
      return item;
    }),
  );
}

function text<K extends keyof HTMLElementTagNameMap>(tag: K, content: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.textContent = content;
  return node;
}
