/**
 * TensorFlow.js backend selection, at run time.
 *
 * `--backend auto|tensorflow-gpu|tensorflow|webgpu|wasm|cpu`. The two native backends come from optional
 * peer packages (`@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node`) that only some machines can
 * install, so they are loaded with a dynamic `import()` and a failure is reported, not thrown, while
 * probing. `webgpu` (optional dependencies `webgpu` and `@tensorflow/tfjs-backend-webgpu`; see
 * webgpu-device.ts) needs an adapter. `wasm` (`@tensorflow/tfjs-backend-wasm`, a dependency) works
 * everywhere; `cpu` is the pure-JS fallback (~40x slower). `auto` takes the first of `BACKEND_ORDER`
 * that loads, except a webgpu adapter that is a CPU renderer (slower than wasm).
 *
 * Under Node the wasm binaries are found inside the package: no `setWasmPaths` call is needed.
 *
 * Selection is per JS realm: every `worker_threads` worker must call `selectBackend` itself (each worker
 * gets its own engine and, for wasm, its own single-threaded module).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
// The union package: registers the cpu backend and, unlike tfjs-core alone, every gradient.
import * as tf from '@tensorflow/tfjs';
import { LocusInputError } from '../errors.js';
import { gpuMayBePresent, loadWebgpu, type AdapterDescription } from './webgpu-device.js';

export type Tf = typeof tf;

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
type TfjsName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

/** The order `auto` tries, fastest first. */
export const BACKEND_ORDER: readonly BackendName[] = [
  'tensorflow-gpu',
  'tensorflow',
  'webgpu',
  'wasm',
  'cpu',
];

/** The name each backend registers with TensorFlow.js (both native packages register 'tensorflow'). */
export const TFJS_BACKEND: Readonly<Record<BackendName, TfjsName>> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  webgpu: 'webgpu',
  wasm: 'wasm',
  cpu: 'cpu',
};

export interface BackendProbe {
  name: BackendName;
  /** What TensorFlow.js calls it (`tf.getBackend()`). */
  tfjsName: TfjsName;
  loaded: boolean;
  /** Why it did not load, with the fix in parentheses. Absent when it loaded. */
  reason?: string;
  /** webgpu: the adapter found (absent when none was). */
  adapter?: AdapterDescription;
  /** Whether `auto` may pick it (false for a webgpu adapter that is a CPU renderer). */
  auto: boolean;
}

export interface SelectedBackend {
  name: BackendName;
  tf: Tf;
}

export function isBackendChoice(value: string): value is BackendChoice {
  return value === 'auto' || (BACKEND_ORDER as readonly string[]).includes(value);
}

/** Validate a `--backend` value (a commander option parser). */
export function parseBackendChoice(value: string): BackendChoice {
  if (isBackendChoice(value)) return value;
  throw new LocusInputError(
    value,
    `unknown backend "${value}"`,
    `use one of auto, ${BACKEND_ORDER.join(', ')}`,
  );
}

interface Failure {
  problem: string;
  fix: string;
}

type LoadResult = { ok: true; adapter?: AdapterDescription } | ({ ok: false } & Failure);

const NATIVE_PACKAGE = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

const requireFromHere = createRequire(import.meta.url);

/** Package loads, cached: a failed import is not retried in this process. */
const loads = new Map<BackendName, Promise<LoadResult>>();
/** TensorFlow.js backends that already ran a smoke test. */
const checked = new Set<string>();
/** Which native package registered the 'tensorflow' backend in this process (only one can). */
let nativeProvider: 'tensorflow-gpu' | 'tensorflow' | undefined;
/** The backend this module last selected, and what `auto` resolved to. */
let current: BackendName | undefined;
/** What `auto` resolved to, for callers that read only asynchronously (true) and for the others. */
const autoPicks = new Map<boolean, BackendName>();

/** Run selections one at a time: two concurrent calls must not interleave `tf.setBackend`. */
let queue: Promise<void> = Promise.resolve();
function serialize<T>(work: () => Promise<T>): Promise<T> {
  const result = queue.then(work);
  queue = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n', 1)[0] ?? message;
}

function fail(problem: string, fix: string): LoadResult {
  return { ok: false, problem, fix };
}

async function loadNative(name: 'tensorflow-gpu' | 'tensorflow'): Promise<LoadResult> {
  const pkg = NATIVE_PACKAGE[name];
  const install = `npm install ${pkg}@${tf.version.tfjs}`;
  const gpuNeeds = 'an NVIDIA driver with CUDA 11.2 and cuDNN 8.1 libraries on LD_LIBRARY_PATH';
  let entry: string;
  try {
    entry = requireFromHere.resolve(pkg);
  } catch {
    return fail(
      `package ${pkg} is not installed`,
      name === 'tensorflow-gpu' ? `${install}; it needs ${gpuNeeds}` : install,
    );
  }
  if (nativeProvider !== undefined && nativeProvider !== name) {
    return fail(
      `${NATIVE_PACKAGE[nativeProvider]} is already loaded in this process and provides the same "tensorflow" backend`,
      `use --backend ${nativeProvider}, or select ${name} in a new process`,
    );
  }
  try {
    await import(pathToFileURL(entry).href);
  } catch (err) {
    return fail(
      `package ${pkg} is installed but failed to load: ${firstLine(err)}`,
      name === 'tensorflow-gpu'
        ? `it needs ${gpuNeeds}; or use --backend tensorflow or wasm`
        : `reinstall it (${install}) or use --backend wasm`,
    );
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return fail(
      `package ${pkg} loaded but registered its backend with another copy of @tensorflow/tfjs`,
      `install the version that matches @tensorflow/tfjs: ${install}`,
    );
  }
  nativeProvider = name;
  return { ok: true };
}

async function loadWasm(): Promise<LoadResult> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return fail(
      `package @tensorflow/tfjs-backend-wasm failed to load: ${firstLine(err)}`,
      'reinstall locus (npm ci), or use --backend cpu',
    );
  }
  if (tf.findBackendFactory('wasm') == null) {
    return fail(
      'package @tensorflow/tfjs-backend-wasm registered its backend with another copy of @tensorflow/tfjs',
      `install @tensorflow/tfjs-backend-wasm@${tf.version.tfjs}`,
    );
  }
  return { ok: true };
}

function load(name: BackendName): Promise<LoadResult> {
  let result = loads.get(name);
  if (result === undefined) {
    result =
      name === 'wasm'
        ? loadWasm()
        : name === 'webgpu'
          ? loadWebgpu(tf)
          : name === 'cpu'
            ? Promise.resolve<LoadResult>({ ok: true })
            : loadNative(name);
    loads.set(name, result);
  }
  return result;
}

/** Run `body` with TensorFlow.js's console notices off (the cpu backend's "install tfjs-node" banner). */
function quietly<T>(body: () => T): T {
  const env = tf.env();
  const prod = env.getBool('PROD');
  env.set('PROD', true);
  try {
    return body();
  } finally {
    env.set('PROD', prod);
  }
}

/** Load `name`'s package and make it the active TensorFlow.js backend. */
async function activate(name: BackendName): Promise<LoadResult> {
  const loaded = await load(name);
  if (!loaded.ok) return loaded;
  const tfjsName = TFJS_BACKEND[name];
  if (tf.getBackend() !== tfjsName) {
    let ok: boolean;
    try {
      ok = await tf.setBackend(tfjsName);
    } catch (err) {
      return fail(
        `TensorFlow.js could not start the ${name} backend: ${firstLine(err)}`,
        'use --backend cpu',
      );
    }
    if (!ok) {
      return fail(
        `TensorFlow.js could not initialize the ${name} backend (its warning above says why)`,
        name === 'cpu' ? 'reinstall locus (npm ci)' : 'use --backend cpu',
      );
    }
  }
  if (!checked.has(tfjsName)) {
    // A tiny op proves the kernels run; quietly, because the cpu backend prints a banner on first use.
    // Read asynchronously: webgpu cannot read synchronously under Node.
    let value: number | undefined;
    try {
      const sum = quietly(() => tf.add(tf.scalar(1), tf.scalar(2)));
      value = (await sum.data())[0];
      sum.dispose();
    } catch (err) {
      return fail(`the ${name} backend failed a smoke test: ${firstLine(err)}`, 'use --backend cpu');
    }
    if (value !== 3) {
      return fail(`the ${name} backend computed 1 + 2 = ${value}`, 'use --backend cpu');
    }
    checked.add(tfjsName);
  }
  return loaded;
}

/** Whether `auto` may take a backend that loaded: not a webgpu adapter that is a CPU renderer. */
function autoMayPick(result: LoadResult): boolean {
  return result.ok && !(result.adapter?.software ?? false);
}

export interface SelectOptions {
  /**
   * The caller reads tensors only with `await data()`, so it can run on webgpu, which cannot read
   * synchronously under Node. Default false: `auto` passes webgpu over and an explicit `webgpu` is
   * refused with the commands that can use it.
   */
  asyncReads?: boolean;
}

/** The commands whose model code reads only asynchronously (see SelectOptions.asyncReads). */
export const WEBGPU_COMMANDS = [
  'locus pretrain and finetune (--workers 1)',
  'eval, predict and embed',
  'scan',
  'variants --model',
  'bench model (--workers 0)',
];

async function selectNow(choice: BackendChoice, asyncReads: boolean): Promise<SelectedBackend> {
  if (choice === 'webgpu' && !asyncReads) {
    throw new LocusInputError(
      choice,
      'this command reads model outputs synchronously, which the webgpu backend cannot do under Node; ' +
        `webgpu runs ${WEBGPU_COMMANDS.join(', ')}`,
      'use --backend wasm here (or tensorflow-gpu where CUDA is installed)',
    );
  }
  if (choice !== 'auto') {
    const result = await activate(choice);
    if (!result.ok) {
      throw new LocusInputError(
        choice,
        `backend "${choice}" cannot be loaded: ${result.problem}`,
        result.fix,
      );
    }
    current = choice;
    return { name: choice, tf };
  }
  const failures: string[] = [];
  for (const name of BACKEND_ORDER) {
    // webgpu only for asynchronous callers, and only where a GPU adapter can exist at all.
    if (name === 'webgpu' && (!asyncReads || !gpuMayBePresent())) continue;
    const result = await activate(name);
    if (autoMayPick(result)) {
      current = name;
      autoPicks.set(asyncReads, name);
      return { name, tf };
    }
    failures.push(`${name}: ${result.ok ? 'a CPU renderer, slower than wasm' : result.problem}`);
  }
  throw new LocusInputError(
    'auto',
    `no TensorFlow.js backend could be loaded (${failures.join('; ')})`,
    'reinstall locus (npm ci)',
  );
}

/**
 * Make `choice` the active TensorFlow.js backend and return it with the `tf` namespace to use.
 * `auto` takes the first of `BACKEND_ORDER` that loads (remembered for the process). Idempotent and
 * cheap when the backend is already active; switching back and forth reuses initialized backends.
 * An explicit backend that cannot load throws `LocusInputError` naming it, the reason and the fix.
 */
export async function selectBackend(
  choice: BackendChoice = 'auto',
  options: SelectOptions = {},
): Promise<SelectedBackend> {
  if (!isBackendChoice(choice)) {
    throw new TypeError(`selectBackend: unknown backend ${JSON.stringify(choice)}`);
  }
  const asyncReads = options.asyncReads ?? false;
  const wanted = choice === 'auto' ? autoPicks.get(asyncReads) : choice;
  if (
    wanted !== undefined &&
    wanted === current &&
    tf.getBackend() === TFJS_BACKEND[wanted] &&
    (wanted !== 'webgpu' || asyncReads)
  ) {
    return { name: wanted, tf };
  }
  return serialize(() => selectNow(choice, asyncReads));
}

/** The backend `selectBackend` last selected in this realm, if any. */
export function selectedBackend(): BackendName | undefined {
  return current;
}

/**
 * Try every backend in `BACKEND_ORDER` and report which load and why the others do not. Afterwards the
 * backend `selectBackend` selected before is active again (or, if none was, the one `auto` picks).
 */
export async function probeBackends(): Promise<BackendProbe[]> {
  return serialize(async () => {
    const previous = current;
    const probes: BackendProbe[] = [];
    for (const name of BACKEND_ORDER) {
      const result = await activate(name);
      probes.push(
        result.ok
          ? {
              name,
              tfjsName: TFJS_BACKEND[name],
              loaded: true,
              ...(result.adapter ? { adapter: result.adapter } : {}),
              auto: autoMayPick(result) && (name !== 'webgpu' || gpuMayBePresent()),
            }
          : {
              name,
              tfjsName: TFJS_BACKEND[name],
              loaded: false,
              reason: `${result.problem} (${result.fix})`,
              auto: false,
            },
      );
    }
    const pick = probes.find((p) => p.auto)?.name;
    if (pick !== undefined) autoPicks.set(true, pick);
    const hostPick = probes.find((p) => p.auto && p.name !== 'webgpu')?.name;
    if (hostPick !== undefined) autoPicks.set(false, hostPick);
    const restore = previous ?? hostPick;
    if (restore !== undefined && (await activate(restore)).ok) current = restore;
    return probes;
  });
}
