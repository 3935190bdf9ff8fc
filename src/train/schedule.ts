/** Learning rate: linear warmup to the peak, then cosine decay to the floor at the last step. */
export interface Schedule {
  peak: number;
  warmup: number;
  total: number;
  floor: number;
}

export function learningRateAt(step: number, s: Schedule): number {
  if (s.warmup > 0 && step < s.warmup) return (s.peak * (step + 1)) / s.warmup;
  const span = Math.max(1, s.total - s.warmup);
  const progress = Math.min(1, (step - s.warmup) / span);
  return s.floor + 0.5 * (s.peak - s.floor) * (1 + Math.cos(Math.PI * progress));
}
