/**
 * The WebGPU device behind `--backend webgpu`: Dawn for Node (the optional `webgpu` package, pinned to
 * 0.6.2, whose binary needs no newer glibc than Debian 12's) with `@tensorflow/tfjs-backend-webgpu`.
 *
 * Adapters are tried in this order:
 * - Dawn's default (Vulkan on Linux), only where the Vulkan loader `libvulkan.so.1` is present: on a
 *   machine with an NVIDIA driver this is the real GPU. (Without the loader, Dawn would print a
 *   warning for nothing.)
 * - Dawn's OpenGL ES backend at WebGPU's compatibility feature level, over EGL. Without a GPU this is
 *   Mesa's llvmpipe, a CPU renderer: exact, and slower than wasm, so `auto` skips software adapters
 *   and only `--backend webgpu` selects them (the tests do, to check the kernels).
 *
 * The tfjs package registers its own backend factory when `navigator.gpu` exists at import time; that
 * factory asks for a core-feature-level adapter (none here) and would also make webgpu the default
 * backend. So `navigator` is left alone and this module registers the factory, with the adapter found.
 *
 * In Node, tfjs-webgpu cannot read tensors synchronously (its `readSync` draws through an
 * OffscreenCanvas): `dataSync` throws, only `await data()` works. The model's code paths check
 * `readsSynchronously` (ops.ts) and stay on the device there.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';

/** What `locus backends` and `locus bench model` say about the adapter. */
export interface AdapterDescription {
  /** Dawn's backend: 'vulkan' or 'opengles'. */
  api: 'vulkan' | 'opengles';
  /** The device as the driver names it, e.g. 'NVIDIA H100 80GB HBM3' or 'llvmpipe ...'. */
  device: string;
  /** The driver's description (vendor, version). */
  description: string;
  /** A CPU renderer (llvmpipe, lavapipe, SwiftShader): works, but slower than the wasm backend. */
  software: boolean;
  /** The largest storage buffer one kernel may bind, bytes (bounds the longest sequence). */
  maxStorageBufferBindingSize: number;
}

export type DeviceLoad =
  { ok: true; adapter: AdapterDescription } | { ok: false; problem: string; fix: string };

interface GpuAdapterLike {
  info: { device?: string; description?: string; vendor?: string; architecture?: string };
  limits: Record<string, number>;
  features: Set<string>;
  requestDevice(descriptor: object): Promise<object>;
}
interface GpuLike {
  requestAdapter(options: object): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface WebgpuBackendModule {
  WebGPUBackend: new (device: object, adapterInfo?: object) => TF.KernelBackend;
}

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader/i;

/** Library folders where the Vulkan loader may sit (Debian/Ubuntu, Fedora, and LD_LIBRARY_PATH). */
function hasVulkanLoader(): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return process.platform !== 'linux' || dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

/**
 * Whether `auto` should try webgpu at all: only where a GPU adapter can exist, i.e. the Vulkan loader
 * and a GPU device node (/dev/nvidia0 or a DRM render node) are present (on macOS and Windows, Dawn's
 * own APIs). Elsewhere Dawn would find at most a CPU renderer, which `auto` skips anyway, after
 * starting Dawn (about 0.2 s) and printing its warnings on stderr.
 */
export function gpuMayBePresent(): boolean {
  if (process.platform !== 'linux') return true;
  if (!hasVulkanLoader()) return false;
  if (existsSync('/dev/nvidia0')) return true;
  try {
    return readdirSync('/dev/dri').some((name) => name.startsWith('renderD'));
  } catch {
    return false;
  }
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n', 1)[0] ?? message;
}

interface FoundAdapter {
  gpu: GpuLike;
  adapter: GpuAdapterLike;
  api: AdapterDescription['api'];
}

async function findAdapter(dawn: DawnModule): Promise<FoundAdapter | undefined> {
  if (hasVulkanLoader()) {
    const gpu = dawn.create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter) return { gpu, adapter, api: 'vulkan' };
  }
  // Mesa's EGL needs a platform without a display server; a user's own setting wins.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const gpu = dawn.create(['backend=opengles']);
  const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
  return adapter ? { gpu, adapter, api: 'opengles' } : undefined;
}

let loading: Promise<DeviceLoad> | undefined;

interface ErrorSource {
  onuncapturederror: ((event: { error: { message: string } }) => void) | null;
}

/** The first error the device reported since the last `checkDevice`, and its storage limit. */
let deviceError: string | undefined;
let storageLimit = 0;

/**
 * WebGPU reports a failed command (a buffer beyond the binding limit, an invalid pipeline) as an
 * event, not an exception, and the results are then silently zeros. Keep the first one, so that
 * `checkDevice` can turn it into an error where results are read.
 */
function watchErrors(device: ErrorSource, limit: number): void {
  storageLimit = limit;
  device.onuncapturederror = (event) => {
    deviceError ??= event.error.message.split('\n', 1)[0] ?? event.error.message;
  };
}

/**
 * Throw if the webgpu device reported an error since the last check (a no-op otherwise, and on other
 * backends). Call it after awaiting a result: the error events arrive by then.
 */
export function checkDevice(): void {
  if (deviceError === undefined) return;
  const message = deviceError;
  deviceError = undefined;
  const hint = /binding size|larger than the maximum|buffer size|out of memory/i.test(message)
    ? `a tensor exceeds the adapter's largest storage buffer (${Math.round(storageLimit / 2 ** 20)} MB): use fewer bases per sequence, or --backend wasm`
    : 'use --backend wasm';
  throw new Error(`the webgpu device failed, so its results are invalid: ${message} (${hint})`);
}

/**
 * Find an adapter and register tfjs's 'webgpu' backend on it (once per process; later calls return
 * the first answer). Never throws: a missing package or adapter is a `problem` with its `fix`.
 */
export function loadWebgpu(tf: typeof TF): Promise<DeviceLoad> {
  loading ??= load(tf);
  return loading;
}

async function load(tf: typeof TF): Promise<DeviceLoad> {
  let dawn: DawnModule;
  try {
    dawn = (await import('webgpu')) as unknown as DawnModule;
  } catch (err) {
    return {
      ok: false,
      problem: `package webgpu (Dawn for Node) is not installed or failed to load: ${firstLine(err)}`,
      fix: 'npm install webgpu@0.6.2 (an optional dependency of locus)',
    };
  }
  // GPUBufferUsage, GPUMapMode, ...: constants tfjs-webgpu reads from the global scope.
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true });
  }
  let backendModule: WebgpuBackendModule;
  try {
    backendModule = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as WebgpuBackendModule;
  } catch (err) {
    return {
      ok: false,
      problem: `package @tensorflow/tfjs-backend-webgpu failed to load: ${firstLine(err)}`,
      fix: `npm install @tensorflow/tfjs-backend-webgpu@${tf.version.tfjs}`,
    };
  }
  let found: FoundAdapter | undefined;
  try {
    found = await findAdapter(dawn);
  } catch (err) {
    return {
      ok: false,
      problem: `Dawn failed while looking for an adapter: ${firstLine(err)}`,
      fix: 'use --backend wasm',
    };
  }
  if (!found) {
    return {
      ok: false,
      problem:
        'no WebGPU adapter: neither Vulkan (libvulkan.so.1 and a GPU driver) nor OpenGL ES through EGL is available',
      fix: 'install the GPU driver and libvulkan1, or Mesa (libegl1 libgles2 libegl-mesa0) for the CPU renderer; or use --backend wasm',
    };
  }
  const { adapter, api } = found;
  const limits = adapter.limits;
  let device: object;
  try {
    device = await adapter.requestDevice({
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        // The attention backward binds 9 inputs and its output (compatibility devices default to 8).
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      },
    });
  } catch (err) {
    return {
      ok: false,
      problem: `the ${api} adapter refused a device: ${firstLine(err)}`,
      fix: 'use --backend wasm',
    };
  }
  watchErrors(device as ErrorSource, limits.maxStorageBufferBindingSize ?? 0);
  const info = adapter.info;
  const description: AdapterDescription = {
    api,
    device: info.device || info.architecture || 'unknown device',
    description: info.description || info.vendor || '',
    software: SOFTWARE.test(`${info.device} ${info.description}`),
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize ?? 0,
  };
  if (tf.findBackendFactory('webgpu') == null) {
    // The backend's constructor insists on `navigator.gpu`; set only now, after the package's
    // import-time check has passed without registering its own factory.
    const scope = globalThis as { navigator?: { gpu?: unknown } };
    if (scope.navigator === undefined) {
      Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
    }
    if (scope.navigator!.gpu === undefined) {
      Object.defineProperty(scope.navigator, 'gpu', { value: found.gpu, configurable: true });
    }
    tf.registerBackend('webgpu', () => new backendModule.WebGPUBackend(device, info), 0);
  }
  return { ok: true, adapter: description };
}

/** One line for `locus backends`: the adapter and how it will be used. */
export function describeAdapter(adapter: AdapterDescription): string {
  const kind = adapter.software ? 'a CPU renderer, slower than wasm: auto skips it' : 'a GPU';
  return `${adapter.api} adapter ${adapter.device} (${adapter.description}; ${kind})`;
}
