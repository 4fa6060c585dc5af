/**
 * CPU time and memory of the worker process (the local Functions host running our app, a child process of
 * the bench), read from /proc as `top` would — nothing is asked of the process itself.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface ProcessSample {
  /** User + system CPU time since the process started, in ms (resolution: one clock tick, usually 10 ms). */
  cpuMs: number;
  /** Resident set size now, and its peak since start (VmHWM), in MB. */
  rssMb: number;
  peakRssMb: number;
}

export function sampleProcess(pid: number): ProcessSample {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { cpuMs: ((utime + stime) * 1000) / clockTicks(), rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/** Child processes of `parent` whose command line matches `pattern` (e.g. Azurite under the bench). */
export function childPids(parent: number, pattern: RegExp): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      if (pattern.test(fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '))) out.push(Number(entry));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** CPU time of several processes over an interval, in ms each. */
export class CpuMeter {
  private readonly start: Record<string, number>;

  constructor(private readonly pids: Record<string, number>) {
    this.start = this.read();
  }

  private read(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.pids).map(([name, pid]) => {
      try {
        return [name, sampleProcess(pid).cpuMs];
      } catch {
        return [name, 0];
      }
    }));
  }

  /** CPU ms used by each process since construction. */
  elapsed(): Record<string, number> {
    const now = this.read();
    return Object.fromEntries(Object.entries(now).map(([name, ms]) => [name, ms - (this.start[name] ?? 0)]));
  }
}

/** The machine the figures came from. */
export function machineInfo(): { nproc: number; cpuModel: string; node: string; memoryGb: number; platform: string } {
  let cpuModel = 'unknown';
  let memoryGb = 0;
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
    memoryGb = Math.round(Number(/^MemTotal:\s+(\d+)/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024 / 1024);
  } catch { /* not Linux */ }
  let nproc = 0;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch { /* not Linux */ }
  return { nproc, cpuModel, node: process.version, memoryGb, platform: `${process.platform} ${process.arch}` };
}
