/**
 * A load generator and the service it measures on separate CPUs, so a figure is the service's and
 * not a fight for cores with its own client: on a machine with 2 or more cores the load generator
 * gets CPU 0 and the service the others (taskset from util-linux, every thread of the process).
 * With one core, without taskset, or when `enabled` is false, nothing is pinned and both share
 * every CPU.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface CpuSplit {
  pinned: boolean;
  /** taskset CPU list of the load generator. */
  clientCpus: string;
  /** taskset CPU list of the service(s). */
  serviceCpus: string;
  /** How many cores the service has. */
  serviceCores: number;
  /** onnxruntime intra-op threads for a service on `serviceCores` cores (at most the runtime's default 2). */
  ortThreads: number;
  /** One line for a report. */
  describe: string;
}

export function cpuSplit(enabled = true): CpuSplit {
  const cores = cpus().length;
  const all = allCpus();
  const pinned = enabled && cores >= 2 && hasTaskset();
  const serviceCpus = !pinned ? all : cores === 2 ? '1' : `1-${cores - 1}`;
  const serviceCores = pinned ? cores - 1 : cores;
  const ortThreads = Math.min(2, serviceCores);
  return {
    pinned,
    clientCpus: pinned ? '0' : all,
    serviceCpus,
    serviceCores,
    ortThreads,
    describe: pinned
      ? `load generator on CPU 0, service on CPU ${serviceCpus} (taskset), onnxruntime intra-op threads ${ortThreads}`
      : `not pinned: load generator and service share CPUs ${serviceCpus}, onnxruntime intra-op threads ${ortThreads}`,
  };
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every thread of `pid` onto `cpuList`; threads it starts later inherit it. */
export function pinProcess(pid: number, cpuList: string): void {
  execFileSync('taskset', ['-apc', cpuList, String(pid)], { stdio: 'ignore' });
}

/** Every CPU of the machine, for a process pinned earlier. */
export function allCpus(): string {
  const cores = cpus().length;
  return cores === 1 ? '0' : `0-${cores - 1}`;
}
