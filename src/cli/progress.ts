/**
 * A one-line progress display on stderr for long work: counts, rate and ETA, redrawn in place on a
 * terminal, silent when stderr is piped or with --quiet (DESIGN.md: "Long work shows progress").
 */
export interface ProgressLine {
  update(text: string): void;
  done(text?: string): void;
}

export function progressLine(options: { quiet?: boolean } = {}): ProgressLine {
  const stream = process.stderr;
  const active = !options.quiet && stream.isTTY === true;
  let last = 0;
  return {
    update(text) {
      if (!active) return;
      const now = Date.now();
      if (now - last < 100) return; // at most 10 redraws a second
      last = now;
      const width = stream.columns ?? 100;
      stream.write(`\r${text.slice(0, width - 1).padEnd(width - 1)}`);
    },
    done(text) {
      if (!active) return;
      stream.write(`\r${' '.repeat((stream.columns ?? 100) - 1)}\r`);
      if (text) stream.write(`${text}\n`);
    },
  };
}

/** "1h02m", "3m05s", "42s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
