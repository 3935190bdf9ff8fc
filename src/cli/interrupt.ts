/**
 * Ctrl-C, or a workflow manager or batch scheduler stopping a job (Snakemake and SLURM send SIGTERM),
 * for a command that writes its outputs only at the end: the signal is reported, the work is aborted
 * through an AbortSignal, and the command exits 128 + the signal's number (130 for SIGINT, 143 for
 * SIGTERM) with nothing written.
 */
export interface Interruptible {
  signal: AbortSignal;
  /** Run `work`; if a signal aborted it, exit 130 or 143 instead of reporting its error. Always stops listening. */
  run<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof EXIT_CODES;

export function interruptible(): Interruptible {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const listeners = (Object.keys(EXIT_CODES) as StopSignal[]).map((name) => {
    const listener = () => {
      if (received !== undefined) return;
      received = name;
      process.stderr.write(
        `\nlocus: ${name === 'SIGINT' ? 'interrupted' : 'terminated'}; no output written\n`,
      );
      controller.abort();
    };
    return { name, listener };
  });
  return {
    signal: controller.signal,
    async run(work) {
      for (const { name, listener } of listeners) process.once(name, listener);
      try {
        return await work(controller.signal);
      } catch (err) {
        if (received !== undefined) process.exit(EXIT_CODES[received]);
        throw err;
      } finally {
        for (const { name, listener } of listeners) process.off(name, listener);
      }
    },
  };
}
