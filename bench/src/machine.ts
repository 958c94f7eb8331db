import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

/** What the numbers were taken on. */
export interface MachineInfo {
  /** os.availableParallelism(), what `nproc` prints. */
  nproc: number;
  cpuModel: string;
  /** `uname -r`. */
  kernel: string;
  os: string;
  node: string;
  memoryGiB: number;
  /** net.unix.max_dgram_qlen: how many datagrams a receiver queues before senders meet EAGAIN. */
  maxDgramQlen: number | undefined;
  /**
   * The cpuidle driver (haltpoll on this kind of VM). On an idle VM a process that blocks lets its
   * vCPU halt, and waking it costs tens of µs: ping-pong latency then depends on how busy the
   * machine is as much as on the code (see the Benchmarks section of the README).
   */
  cpuidle: string | undefined;
  /** 1-, 5- and 15-minute load averages when the bench started and ended. */
  loadAtStart: number[];
  loadAtEnd?: number[];
}

function osName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function maxDgramQlen(): number | undefined {
  try {
    return Number(readFileSync('/proc/sys/net/unix/max_dgram_qlen', 'utf8').trim());
  } catch {
    return undefined;
  }
}

export const roundedLoad = (): number[] => loadavg().map((value) => Math.round(value * 100) / 100);

export function machineInfo(): MachineInfo {
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    kernel: release(),
    os: osName(),
    node: process.version,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    maxDgramQlen: maxDgramQlen(),
    cpuidle: readTrimmed('/sys/devices/system/cpu/cpuidle/current_driver'),
    loadAtStart: roundedLoad(),
  };
}

export function describeMachine(machine: MachineInfo): string {
  return (
    `${machine.nproc} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}, ` +
    `kernel ${machine.kernel}, Node ${machine.node}, net.unix.max_dgram_qlen=${machine.maxDgramQlen ?? '?'}, ` +
    `cpuidle ${machine.cpuidle ?? '?'}`
  );
}
