/**
 * Graceful shutdown on SIGTERM/SIGINT: readiness turns false at once (Kubernetes stops routing),
 * the listener stops accepting, accepted requests finish through their batches, then the process
 * exits 0. If that takes longer than the grace period the process exits 1, so the loss is visible.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
import type { FastifyBaseLogger } from 'fastify';

export interface ShutdownTarget {
  shutdown(): Promise<void>;
  log: FastifyBaseLogger;
}

export function installSignalHandlers(target: ShutdownTarget, graceMs: number, exit: (code: number) => void = (c) => process.exit(c)): () => void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    target.log.info({ signal, graceMs }, 'shutting down: readiness off, draining');
    const timer = setTimeout(() => {
      target.log.error({ graceMs }, 'shutdown grace period exceeded; exiting with work in progress');
      exit(1);
    }, graceMs);
    timer.unref();
    target.shutdown().then(
      () => {
        clearTimeout(timer);
        target.log.info('drained; exiting');
        exit(0);
      },
      (err: unknown) => {
        target.log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
