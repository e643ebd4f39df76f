/**
 * The example page: checks the page is cross-origin isolated, then runs the demo (see run.ts) and
 * renders it live. `?workers=N&seconds=S` preset the controls; `?autostart=0` waits for the button.
 */
import { ShardedMap } from '@shardmap/core';
import { runDemo, type DemoResult } from './run.js';
import * as view from './view.js';

declare global {
  interface Window {
    /** The last run's result, for the tests and the screenshot script. */
    shardmapDemoResult?: DemoResult;
  }
}

function presetControls(params: URLSearchParams): void {
  for (const name of ['workers', 'seconds']) {
    const value = params.get(name);
    const input = document.getElementById(name) as HTMLInputElement | null;
    if (value !== null && input !== null) input.value = value;
  }
}

async function run(): Promise<void> {
  view.setRunning(true);
  view.setState('running');
  try {
    const result = await runDemo(view.readControls(), view.renderSnapshot);
    window.shardmapDemoResult = result;
    view.renderResult(result);
  } catch (error) {
    view.showError(error);
  } finally {
    view.setRunning(false);
  }
}

function boot(): void {
  const params = new URLSearchParams(location.search);
  presetControls(params);
  view.showIsolation(globalThis.crossOriginIsolated === true);
  try {
    // Creating a map is the real test: without the two headers there is no SharedArrayBuffer, and
    // the core throws an error naming them. Show that error instead of a broken page.
    ShardedMap.create({ capacity: 1 });
  } catch (error) {
    view.showError(error);
    return;
  }
  view.onRun(() => void run());
  view.setState('idle');
  if (params.get('autostart') !== '0') void run();
}

boot();
