/**
 * safetensors: round trip, byte-exact agreement with an independent reader/writer written from the
 * spec in Python (struct + json + numpy; the `safetensors` package itself cannot be installed here),
 * and a clear error for each kind of corrupt file.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocusInputError } from '../../src/errors.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from '../../src/model/safetensors.js';
import { scratch } from '../helpers/paths.js';

const PYTHON = '/usr/bin/python3';
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

function python(script: string, ...args: string[]): string {
  const result = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`python failed: ${result.stderr}`);
  return result.stdout;
}

function sample(): Record<string, SafetensorsTensor> {
  return {
    'layers.1.ffn.w1': {
      dtype: 'F32',
      shape: [3, 5],
      data: Float32Array.from({ length: 15 }, (_, i) => Math.sin(i) * 1e3 + (i === 7 ? NaN : 0)),
    },
    'embed.tokens': {
      dtype: 'F32',
      shape: [4, 2],
      data: Float32Array.from([1.5, -0, 3e-38, -2, 1e38, 0.1, 7, 8]),
    },
    'vocab.ids': { dtype: 'I32', shape: [6], data: Int32Array.from([0, -1, 2147483647, -2147483648, 42, 7]) },
    scalar: { dtype: 'F32', shape: [], data: Float32Array.from([3.25]) },
    empty: { dtype: 'I32', shape: [0, 3], data: new Int32Array(0) },
  };
}

function bytesOf(data: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Hand-assemble a file: header object as given, padded with spaces, then `data`. */
function assemble(header: unknown, data: Uint8Array = new Uint8Array(0), headerLength?: number): Uint8Array {
  let json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const withPad = new Uint8Array(padded).fill(0x20);
  withPad.set(json);
  json = withPad;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('encodeSafetensors / decodeSafetensors', () => {
  it('round-trips tensors and metadata bit for bit (NaN, -0, subnormal-ish, int extremes, scalar, empty)', () => {
    const tensors = sample();
    const metadata = { format: 'pt', 'locus.step': '1200', note: 'naïve ✓' };
    const bytes = encodeSafetensors(tensors, metadata);
    const back = decodeSafetensors(bytes, 'x.safetensors');
    expect(back.metadata).toEqual(metadata);
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const got = back.tensors[name]!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data).toBeInstanceOf(t.dtype === 'F32' ? Float32Array : Int32Array);
      expect(Buffer.from(bytesOf(got.data)).equals(Buffer.from(bytesOf(t.data)))).toBe(true);
    }
  });

  it('lays the file out as the spec says: u64 length, space-padded JSON, sorted contiguous data', () => {
    const bytes = encodeSafetensors(sample(), { format: 'pt' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text).toMatch(
      /^\{"__metadata__":\{"format":"pt"\},"embed\.tokens":\{"dtype":"F32","shape":\[4,2\],"data_offsets":\[0,32\]\}/,
    );
    expect(text.trimEnd().endsWith('}')).toBe(true);
    expect(/\} *$/.test(text)).toBe(true);
    const total = 4 * (15 + 8 + 6 + 1 + 0);
    expect(bytes.length).toBe(8 + n + total);
    // Same input in another insertion order gives the same bytes.
    const reversed = Object.fromEntries(Object.entries(sample()).reverse());
    expect(Buffer.from(encodeSafetensors(reversed, { format: 'pt' })).equals(Buffer.from(bytes))).toBe(true);
  });

  it('does not alias the input buffer and reads from an unaligned view', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) } });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const back = decodeSafetensors(shifted.subarray(3), 'x');
    shifted.fill(0);
    expect(Array.from(back.tensors.a!.data)).toEqual([1, 2]);
    // A small Node Buffer lives inside a shared pool, where Buffer#slice returns a view, not a copy.
    const pooled = Buffer.from(bytes);
    expect(pooled.byteOffset > 0 || pooled.buffer.byteLength > pooled.length).toBe(true);
    expect(Array.from(decodeSafetensors(pooled, 'x').tensors.a!.data)).toEqual([1, 2]);
  });

  it('rejects caller mistakes with TypeError / RangeError', () => {
    const f = (t: Partial<SafetensorsTensor>) => () =>
      encodeSafetensors({
        t: { dtype: 'F32', shape: [2], data: new Float32Array(2), ...t } as SafetensorsTensor,
      });
    expect(f({ data: new Int32Array(2) })).toThrow(TypeError);
    expect(f({ dtype: 'F16' as 'F32' })).toThrow(TypeError);
    expect(f({ shape: [3] })).toThrow(/shape \[3\] \(3 values\) but 2 values/);
    expect(f({ shape: [-2, -1] })).toThrow(RangeError);
    expect(() => encodeSafetensors({ __metadata__: sample().scalar! })).toThrow(RangeError);
    expect(() => encodeSafetensors({}, { n: 1 as unknown as string })).toThrow(TypeError);
  });
});

describe.skipIf(!hasNumpy)('against a reader and writer written from the spec in Python', () => {
  const READER = String.raw`
import hashlib, json, struct, sys
import numpy as np
raw = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', raw[:8])
header = json.loads(raw[8:8 + n].decode('utf-8'))
data = raw[8 + n:]
meta = header.pop('__metadata__', None)
dt = {'F32': '<f4', 'I32': '<i4'}
out = {'n': n, 'pad_ok': raw[8:8 + n].decode().rstrip(' ').endswith('}'), 'metadata': meta, 'tensors': {}}
ends = []
for name, info in header.items():
    b, e = info['data_offsets']
    ends.append((b, e))
    arr = np.frombuffer(data[b:e], dtype=dt[info['dtype']]).reshape(info['shape'])
    out['tensors'][name] = {
        'dtype': info['dtype'], 'shape': list(arr.shape),
        'sha256': hashlib.sha256(arr.tobytes()).hexdigest(),
        'values': [None if v != v else float(v) for v in arr.reshape(-1).tolist()],
    }
ends.sort()
out['contiguous'] = all(ends[i][1] == ends[i + 1][0] for i in range(len(ends) - 1)) and ends[0][0] == 0 and ends[-1][1] == len(data)
# Re-serialise per the spec: metadata first, tensors by name, data in that order, space padding to 8.
h = {}
if meta is not None: h['__metadata__'] = meta
blobs, off = [], 0
for name in sorted(header):
    b, e = header[name]['data_offsets']
    h[name] = {'dtype': header[name]['dtype'], 'shape': header[name]['shape'], 'data_offsets': [off, off + e - b]}
    blobs.append(data[b:e]); off += e - b
hb = json.dumps(h, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
hb += b' ' * (-len(hb) % 8)
again = struct.pack('<Q', len(hb)) + hb + b''.join(blobs)
out['reserialised_equal'] = again == raw
print(json.dumps(out))
`;

  it('Python reads our file to the same values, and rewrites it byte for byte', () => {
    const tensors = sample();
    const dir = scratch();
    const path = join(dir, 'ours.safetensors');
    writeFileSync(path, encodeSafetensors(tensors, { format: 'pt', note: 'naïve ✓' }));
    const report = JSON.parse(python(READER, path)) as {
      n: number;
      pad_ok: boolean;
      contiguous: boolean;
      reserialised_equal: boolean;
      metadata: Record<string, string>;
      tensors: Record<string, { dtype: string; shape: number[]; sha256: string; values: (number | null)[] }>;
    };
    expect(report.pad_ok).toBe(true);
    expect(report.contiguous).toBe(true);
    expect(report.reserialised_equal).toBe(true);
    expect(report.metadata).toEqual({ format: 'pt', note: 'naïve ✓' });
    expect(Object.keys(report.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const got = report.tensors[name]!;
      expect(got).toMatchObject({ dtype: t.dtype, shape: t.shape });
      expect(got.sha256).toBe(createHash('sha256').update(bytesOf(t.data)).digest('hex'));
      expect(got.values).toEqual(Array.from(t.data, (v) => (Number.isNaN(v) ? null : v)));
    }
  });

  const WRITER = String.raw`
import json, struct, sys
import numpy as np
path, reverse_data = sys.argv[1], sys.argv[2] == '1'
tensors = {
    'blocks.0.attn.wqk': (np.arange(24, dtype='<f4').reshape(4, 6) * np.float32(0.1) - np.float32(1.2)),
    'blocks.0.attn.wv': np.linspace(-3, 3, 10, dtype='<f4').reshape(2, 5),
    'positions': np.array([[5, -7, 2**31 - 1]], dtype='<i4'),
    'bias': np.array(np.float32(-0.5), dtype='<f4'),
    'unused': np.zeros((0,), dtype='<f4'),
}
names = sorted(tensors)
order = list(reversed(names)) if reverse_data else names
offsets, blobs, off = {}, [], 0
for name in order:
    b = tensors[name].tobytes(); offsets[name] = [off, off + len(b)]; blobs.append(b); off += len(b)
h = {'__metadata__': {'format': 'pt', 'source': 'python'}}
for name in names:
    kind = {'float32': 'F32', 'int32': 'I32'}[str(tensors[name].dtype)]
    h[name] = {'dtype': kind, 'shape': list(tensors[name].shape), 'data_offsets': offsets[name]}
hb = json.dumps(h, sort_keys=True).encode('utf-8')
hb += b' ' * (-len(hb) % 8)
open(path, 'wb').write(struct.pack('<Q', len(hb)) + hb + b''.join(blobs))
print(json.dumps({k: {'shape': list(v.shape), 'values': v.reshape(-1).tolist()} for k, v in tensors.items()}))
`;

  for (const reverse of [false, true]) {
    it(`reads a file Python wrote per the spec${reverse ? ' (data in the reverse order of the header)' : ''}`, () => {
      const path = join(scratch(), 'py.safetensors');
      const expected = JSON.parse(python(WRITER, path, reverse ? '1' : '0')) as Record<
        string,
        { shape: number[]; values: number[] }
      >;
      const file = decodeSafetensors(readFileSync(path), path);
      expect(file.metadata).toEqual({ format: 'pt', source: 'python' });
      expect(Object.keys(file.tensors).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, want] of Object.entries(expected)) {
        const got = file.tensors[name]!;
        expect(got.shape).toEqual(want.shape);
        expect(Array.from(got.data)).toEqual(want.values);
      }
      expect(file.tensors.positions!.dtype).toBe('I32');
      expect(file.tensors.positions!.data).toBeInstanceOf(Int32Array);
    });
  }
});

describe('corrupt files', () => {
  const good = encodeSafetensors({
    a: { dtype: 'F32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
    b: { dtype: 'I32', shape: [3], data: Int32Array.from([5, 6, 7]) },
  });
  const data = new Uint8Array(28);

  function error(bytes: Uint8Array): LocusInputError {
    try {
      decodeSafetensors(bytes, 'model.safetensors');
    } catch (err) {
      expect(err).toBeInstanceOf(LocusInputError);
      expect((err as LocusInputError).input).toBe('model.safetensors');
      expect((err as Error).message).toMatch(/^"model\.safetensors" is not a valid safetensors file: /);
      return err as LocusInputError;
    }
    throw new Error('no error');
  }

  it('names each problem', () => {
    expect(error(good.subarray(0, 5)).message).toMatch(
      /5 bytes long, shorter than the 8-byte header length; the file may be truncated/,
    );
    expect(error(good.subarray(0, 20)).message).toMatch(
      /header length \(\d+ bytes\) is larger than the rest of the file \(12 bytes\)/,
    );
    expect(error(good.subarray(0, good.length - 1)).message).toMatch(
      /tensor "b" data_offsets \[16,28\] runs past the end of the data section \(27 bytes\); the file may be truncated/,
    );
    expect(error(assemble('{"a": {"dtype": "F32",', data)).message).toMatch(/header is not valid JSON/);
    expect(error(assemble('[1,2]')).message).toMatch(/header is not a JSON object/);
    expect(
      error(
        assemble(
          {
            a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
            b: { dtype: 'I32', shape: [4], data_offsets: [12, 28] },
          },
          data,
        ),
      ).message,
    ).toMatch(/tensor "b" data_offsets \[12,28\] overlaps tensor "a" \[0,16\]/);
    expect(
      error(assemble({ a: { dtype: 'F32', shape: [4], data_offsets: [4, 20] } }, new Uint8Array(20))).message,
    ).toMatch(/bytes 0-4 of the data section belong to no tensor/);
    expect(
      error(assemble({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(20))).message,
    ).toMatch(/data section is 20 bytes but its tensors cover 16/);
    expect(
      error(assemble({ a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 16] } }, new Uint8Array(16)))
        .message,
    ).toMatch(
      /tensor "a" has shape \[2,3\] \(6 F32 values, 24 bytes\) but data_offsets \[0,16\] hold 16 bytes/,
    );
    expect(
      error(assemble({ a: { dtype: 'Q7', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(16))).message,
    ).toMatch(/tensor "a" has unknown dtype "Q7"/);
    const f16 = error(assemble({ a: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }, new Uint8Array(8)));
    expect(f16.message).toMatch(
      /tensor "a" has dtype F16; Locus reads F32 and I32; convert the checkpoint to float32/,
    );
    expect(
      error(assemble({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4))).message,
    ).toMatch(/invalid shape \[-1\]/);
    expect(
      error(assemble({ a: { dtype: 'F32', shape: [1], data_offsets: [4] } }, new Uint8Array(4))).message,
    ).toMatch(/invalid data_offsets \[4\]/);
    expect(
      error(assemble({ a: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, new Uint8Array(8))).message,
    ).toMatch(/end before they begin/);
    expect(error(assemble({ a: 3 })).message).toMatch(/tensor "a" is not an object/);
    expect(error(assemble({ __metadata__: { step: 3 } })).message).toMatch(
      /"__metadata__" entry "step" is not a string/,
    );
    const badUtf8 = assemble('{}');
    badUtf8[9] = 0xff;
    expect(error(badUtf8).message).toMatch(/not valid UTF-8/);
  });

  it('refuses an absurd header length without allocating it', () => {
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 0xffffffffffffffffn, true);
    expect(error(huge).message).toMatch(
      /header length \(18446744073709551615 bytes\) is larger than the rest of the file \(8 bytes\)/,
    );
  });

  it('accepts an empty file with no tensors ({} header)', () => {
    expect(decodeSafetensors(assemble({}), 'x')).toEqual({ tensors: {}, metadata: {} });
    expect(decodeSafetensors(encodeSafetensors({}), 'x')).toEqual({ tensors: {}, metadata: {} });
  });
});
