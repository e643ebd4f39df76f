import os from 'node:os';

/** What the numbers were measured on; printed at the top of REPORT.md. */
export interface MachineInfo {
  readonly cpuModel: string;
  /** Logical CPUs the OS reports. */
  readonly cores: number;
  /** What Node would use for a thread pool (respects cgroup/affinity limits). */
  readonly availableParallelism: number;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly totalMemoryGiB: number;
  /** 1-minute load average when the run started: a hint of how noisy the machine was. */
  readonly loadAverage1m: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    node: process.version,
    v8: process.versions.v8,
    platform: os.platform(),
    arch: os.arch(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}
