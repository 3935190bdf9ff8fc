/**
 * Ctrl-C for a command that writes its outputs only at the end: the first SIGINT says so and aborts
 * the work through an AbortSignal; the command then exits 130 with nothing written.
 */
export interface Interruptible {
  signal: AbortSignal;
  /** Run `work`; if Ctrl-C aborted it, exit 130 instead of reporting its error. Always stops listening. */
  run<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export function interruptible(): Interruptible {
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('\nlocus: interrupted; no output written\n');
    controller.abort();
  };
  return {
    signal: controller.signal,
    async run(work) {
      process.once('SIGINT', onSigint);
      try {
        return await work(controller.signal);
      } catch (err) {
        if (controller.signal.aborted) process.exit(130);
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
      }
    },
  };
}
