/**
 * Reading frames of a k-mer tokenizer whose stride is more than one base (DNABERT-2-style
 * non-overlapping 6-mers: stride 6). Such a tokenizer reads one frame of a sequence: tokens start at
 * bases 0, s, 2s, ... and a word that starts at base 1 is never a token, so a classifier that always
 * reads frame 0 sees a sixth of the sequence's 6-mers, and a motif looks different in each of the six
 * frames it can fall in.
 *
 * `locus finetune --frame-shift` trains on a random frame of each sequence (its first f < s bases
 * dropped, f drawn afresh each time the sequence comes round) and scores every sequence as the mean of
 * the class probabilities of its s frames (test-time augmentation), in validation and in
 * `locus eval` / `predict` of the checkpoint it writes. With stride 1 there is one frame and nothing
 * changes.
 */

/** The frames a sequence is read in: 0..stride-1 when `shifted`, else frame 0 alone. */
export function readingFrames(stride: number, shifted: boolean): number[] {
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`stride must be >= 1, got ${stride}`);
  return shifted ? Array.from({ length: stride }, (_, f) => f) : [0];
}

/**
 * The sequence as read in `frame`: its first `frame` bases dropped. A sequence that would keep fewer
 * than `k` bases is returned whole (it has at most one k-mer in any frame).
 */
export function inFrame(sequence: string, frame: number, k: number): string {
  if (frame === 0 || sequence.length - frame < k) return sequence;
  return sequence.slice(frame);
}

/**
 * Per sequence, the mean over frames of its class probabilities. `perFrame[f][i]` holds sequence i's
 * probabilities read in frame f; every frame lists the same sequences in the same order.
 */
export function averageOverFrames(perFrame: readonly (readonly ArrayLike<number>[])[]): number[][] {
  const frames = perFrame.length;
  if (frames === 0) throw new RangeError('averageOverFrames needs at least one frame');
  const count = perFrame[0]!.length;
  if (perFrame.some((rows) => rows.length !== count)) {
    throw new RangeError('averageOverFrames: every frame must hold the same sequences');
  }
  return Array.from({ length: count }, (_, i) => {
    const classes = perFrame[0]![i]!.length;
    const mean = new Array<number>(classes).fill(0);
    for (const rows of perFrame) for (let c = 0; c < classes; c++) mean[c]! += rows[i]![c]! / frames;
    return mean;
  });
}

/** Whether a checkpoint's config says it was fine-tuned with `--frame-shift`. */
export function trainedWithFrameShift(config: { task?: unknown }): boolean {
  const task = config.task as { frameShift?: unknown } | undefined;
  return task?.frameShift === true;
}
