/**
 * The safetensors format (https://github.com/huggingface/safetensors), over plain typed arrays:
 *
 *   u64 little-endian N | N bytes of JSON header, space-padded to a multiple of 8 | data section
 *
 * The header maps each tensor name to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to
 * the data section) plus an optional `"__metadata__": {string: string}`. Tensors are little-endian,
 * row-major, contiguous and without gaps; together they fill the data section exactly.
 *
 * Locus reads and writes F32 and I32. The writer orders tensors by name (as the `safetensors` package
 * does for same-width dtypes) and puts `__metadata__` first in the header, so equal inputs give equal
 * bytes. The reader accepts any order in the header and any order of the data, checks everything, and
 * copies each tensor out of the file buffer (the result never aliases `bytes`).
 */
import { LocusInputError } from '../errors.js';

export type SafetensorsDtype = 'F32' | 'I32';

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  /** Row-major; `[]` is a scalar. */
  shape: number[];
  /** `Float32Array` for F32, `Int32Array` for I32; length = product(shape). */
  data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  tensors: Record<string, SafetensorsTensor>;
  /** The `__metadata__` map; `{}` when the file has none. */
  metadata: Record<string, string>;
}

const METADATA_KEY = '__metadata__';
/** The `safetensors` package refuses headers above 100 MB; so does Locus (a garbage length is caught early). */
export const MAX_HEADER_BYTES = 100_000_000;

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, I32: 4 };
/** Dtypes the format defines that Locus does not read. */
const OTHER_DTYPES = new Set([
  'BOOL',
  'U8',
  'I8',
  'I16',
  'U16',
  'F16',
  'BF16',
  'U32',
  'I64',
  'U64',
  'F64',
  'C64',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F6_E2M3',
  'F6_E3M2',
  'F4',
]);

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Reverse each 4-byte word in place (only on a big-endian host). */
function swap32(bytes: Uint8Array): void {
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    const a = bytes[i]!;
    const b = bytes[i + 1]!;
    bytes[i] = bytes[i + 3]!;
    bytes[i + 1] = bytes[i + 2]!;
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}

/** Set an own property even for names like `__proto__`. */
function put<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Encode tensors (and optional string metadata) as a safetensors file. */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new TypeError('encodeSafetensors: metadata must be an object of strings');
    }
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new TypeError(`encodeSafetensors: metadata "${key}" must be a string, got ${typeof value}`);
      }
    }
    if (Object.keys(metadata).length > 0) put(header, METADATA_KEY, { ...metadata });
  }
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY) throw new RangeError(`encodeSafetensors: "${METADATA_KEY}" is reserved`);
    const t = tensors[name]!;
    const want = t.dtype === 'F32' ? Float32Array : t.dtype === 'I32' ? Int32Array : undefined;
    if (want === undefined) {
      throw new TypeError(`encodeSafetensors: tensor "${name}" has dtype ${String(t.dtype)}; use F32 or I32`);
    }
    if (!(t.data instanceof want)) {
      throw new TypeError(
        `encodeSafetensors: tensor "${name}" is ${t.dtype} but its data is not a ${want.name}`,
      );
    }
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new RangeError(
        `encodeSafetensors: tensor "${name}" has an invalid shape ${JSON.stringify(t.shape)}`,
      );
    }
    const count = elementCount(t.shape);
    if (count !== t.data.length) {
      throw new RangeError(
        `encodeSafetensors: tensor "${name}" has shape ${formatShape(t.shape)} (${count} values) but ${t.data.length} values`,
      );
    }
    const size = count * DTYPE_BYTES[t.dtype];
    put(header, name, { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + size] });
    offset += size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) {
    const { data } = tensors[name]!;
    const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    out.set(view, at);
    if (!LITTLE_ENDIAN) swap32(out.subarray(at, at + view.length));
    at += view.length;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Decode a safetensors file. `source` names it in errors (the path). Every inconsistency (short file,
 * header past the end, bad JSON, unknown or unsupported dtype, overlapping, gapped or out-of-range
 * offsets, a shape that does not match its bytes) throws `LocusInputError`.
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  const bad = (problem: string, hint?: string): LocusInputError =>
    new LocusInputError(source, `"${source}" is not a valid safetensors file: ${problem}`, hint);
  const truncated = 'the file may be truncated or still being written; copy or save it again';

  if (bytes.length < 8) {
    throw bad(`it is ${bytes.length} bytes long, shorter than the 8-byte header length`, truncated);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) {
    throw bad(
      `its header length (${declared} bytes) is larger than the rest of the file (${bytes.length - 8} bytes)`,
      truncated,
    );
  }
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES) {
    throw bad(`its header length (${headerLength} bytes) is above the ${MAX_HEADER_BYTES}-byte limit`);
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw bad('its header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw bad(`its header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw bad('its header is not a JSON object');
  }

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw bad(`"${METADATA_KEY}" is not an object of strings`);
      }
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw bad(`"${METADATA_KEY}" entry "${key}" is not a string`);
        put(metadata, key, v);
      }
      continue;
    }
    entries.push(parseEntry(name, value, bad));
  }

  // Offsets must tile the data section exactly: sorted by position, each starts where the last ended.
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const ordered = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expectedBegin = 0;
  let previous: Entry | undefined;
  for (const e of ordered) {
    const span = `data_offsets [${e.begin},${e.end}]`;
    if (e.begin < expectedBegin) {
      throw bad(
        `tensor "${e.name}" ${span} overlaps tensor "${previous!.name}" [${previous!.begin},${previous!.end}]`,
      );
    }
    if (e.begin > expectedBegin) {
      throw bad(
        `bytes ${expectedBegin}-${e.begin} of the data section belong to no tensor (before "${e.name}")`,
      );
    }
    if (e.end > dataLength) {
      throw bad(
        `tensor "${e.name}" ${span} runs past the end of the data section (${dataLength} bytes)`,
        truncated,
      );
    }
    expectedBegin = e.end;
    previous = e;
  }
  if (expectedBegin !== dataLength) {
    throw bad(`the data section is ${dataLength} bytes but its tensors cover ${expectedBegin}`);
  }

  const tensors: Record<string, SafetensorsTensor> = {};
  for (const e of entries) {
    // A copy (not `bytes.slice`: on a Node Buffer that is a view), aligned at offset 0 of its own buffer.
    const copy = new Uint8Array(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!LITTLE_ENDIAN) swap32(copy);
    const count = elementCount(e.shape);
    const data =
      e.dtype === 'F32' ? new Float32Array(copy.buffer, 0, count) : new Int32Array(copy.buffer, 0, count);
    put(tensors, e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

function parseEntry(
  name: string,
  value: unknown,
  bad: (problem: string, hint?: string) => LocusInputError,
): Entry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(`tensor "${name}" is not an object with dtype, shape and data_offsets`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') throw bad(`tensor "${name}" has no dtype`);
  if (dtype !== 'F32' && dtype !== 'I32') {
    if (OTHER_DTYPES.has(dtype)) {
      throw bad(
        `tensor "${name}" has dtype ${dtype}; Locus reads F32 and I32`,
        'convert the checkpoint to float32 (e.g. in PyTorch: {k: v.float() for k, v in state.items()})',
      );
    }
    throw bad(`tensor "${name}" has unknown dtype ${JSON.stringify(dtype)}`);
  }
  const isIndex = (d: unknown): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0;
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw bad(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    throw bad(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin)
    throw bad(`tensor "${name}" has data_offsets [${begin},${end}] that end before they begin`);
  const count = elementCount(shape);
  const size = count * DTYPE_BYTES[dtype];
  if (!Number.isSafeInteger(size) || size !== end - begin) {
    throw bad(
      `tensor "${name}" has shape ${formatShape(shape)} (${count} ${dtype} values, ${size} bytes) ` +
        `but data_offsets [${begin},${end}] hold ${end - begin} bytes`,
    );
  }
  return { name, dtype, shape: [...shape], begin, end };
}
