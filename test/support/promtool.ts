/**
 * `promtool check metrics` (Debian's prometheus package; `.ci/prometheus-setup.sh` installs it) on
 * an exposition text: Prometheus' own lint of metric names, types, help and units.
 * @see https://github.com/prometheus/prometheus/blob/main/util/promlint/promlint.go
 */
import { spawn, spawnSync } from 'node:child_process';

export function promtoolMissing(): string | null {
  const probe = spawnSync('promtool', ['--version']);
  return probe.error ? "promtool is not installed: install Debian's prometheus package (bash .ci/prometheus-setup.sh)" : null;
}

export function promtoolCheckMetrics(exposition: string): Promise<{ code: number; output: string }> {
  const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdin.end(exposition);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
