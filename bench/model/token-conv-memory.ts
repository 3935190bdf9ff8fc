/**
 * Peak memory and time of one training step (forward, reversible backward) at 100,000 single-base
 * tokens, with the token convolution of width W against none: the check that the convolution's
 * backward keeps no per-tap copies (autodiff over W shifted slices overflowed the wasm heap here).
 * One configuration per process, so each peak RSS is its own:
 *
 *   npm run build
 *   for w in 0 16; do /usr/bin/time -f "%M KB" node dist/bench/model/token-conv-memory.js --token-conv $w; done
 *
 * Prints one JSON line: tokenConv, tokens, seconds, loss, peakRssMB (sampled every 20 ms).
 */
import { parseArgs } from 'node:util';
import { selectBackend } from '../../src/model/backend.js';
import { resolveConfig } from '../../src/model/config.js';
import { IGNORE, Reformer } from '../../src/model/reformer.js';
import { lossAndGradients } from '../../src/model/reversible.js';

const { values } = parseArgs({
  options: {
    'token-conv': { type: 'string', default: '16' },
    tokens: { type: 'string', default: '100000' },
  },
});
const tokenConv = Number(values['token-conv']);
const T = Number(values.tokens);
const { tf } = await selectBackend('wasm');
// The E. coli causal model (docs/training.md): vocabulary 9 (k = 1), local and LSH layers.
const config = resolveConfig({
  vocabSize: 9,
  tokenConv,
  attention: ['local', 'lsh', 'local', 'lsh'],
  causal: true,
  maxLength: T,
  seed: 1,
});
const model = new Reformer(tf, config, { kind: 'lm' });
const ids = Int32Array.from({ length: T }, (_, i) => 5 + (((i * 2654435761) >>> 29) % 4)); // bases A/C/G/T
const labels = Int32Array.from({ length: T }, (_, i) => (i + 1 < T ? ids[i + 1]! : IGNORE));
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const started = performance.now();
const result = lossAndGradients(model, { ids }, { kind: 'lm', labels }, { training: true, step: 1 });
const seconds = (performance.now() - started) / 1000;
peak = Math.max(peak, process.memoryUsage().rss);
clearInterval(sampler);
for (const g of result.grads.values()) g.dispose();
console.log(
  JSON.stringify({
    tokenConv,
    tokens: T,
    seconds: Number(seconds.toFixed(1)),
    loss: result.loss,
    peakRssMB: Math.round(peak / 2 ** 20),
  }),
);
