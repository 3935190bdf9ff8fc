/** The scan benchmark's docs table (bench/docs/tables/scan.ts) from a small scan-test.json. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCAN_TABLES } from '../../bench/docs/tables/scan.js';

const root = mkdtempSync(join(tmpdir(), 'scan-table-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const group = (segments: number, found: number, recall: number) => ({ segments, found, recall });

describe('scan-results table', () => {
  it('renders each tool, the phage class and a failed tool, with provenance', () => {
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    const report = {
      split: 'test',
      date: '2026-12-06T00:00:00.000Z',
      command: 'node dist/bench/scan/run.js --split test',
      git: { commit: '0123456789abcdef', dirty: false },
      machine: { cpus: 2, cpuModel: 'Test CPU' },
      genome: { segments: 28, plantedBases: 454481, contigs: [{ length: 5393401 }] },
      tools: [
        {
          tool: 'alien_hunter',
          ok: true,
          seconds: 612.4,
          peakRssMb: 70.2,
          metrics: {
            segments: { total: 28, found: 17 },
            perClass: { phage_host_gc: group(6, 1, 0.2), high_gc: group(6, 6, 0.9) },
            bases: { precision: 0.41, recall: 0.55, f1: 0.4697 },
            plantedOnly: { precision: 0.8 },
            auroc: { value: 0.8123 },
          },
        },
        { tool: 'locus scan --method gc', ok: false, error: 'locus scan failed (exit 1):\ndetails' },
      ],
    };
    writeFileSync(join(root, 'bench', 'results', 'scan-test.json'), JSON.stringify(report));
    const lines = SCAN_TABLES['scan-results']!(root).split('\n');
    expect(lines[0]).toBe(
      'Planted-island test genome: E. coli 536 with 28 inserted segments (454,481 of 5,393,401 bases); 2 CPUs (Test CPU).',
    );
    expect(lines).toContain(
      '| alien_hunter 1.7 (default settings) | 17/28 | 0.410 / 0.800 | 0.550 | 0.470 | 0.812 | 1/6 | 0.200 | 612 | 70 |',
    );
    expect(lines).toContain(
      '| locus scan --method gc (GC z-score) | failed: see `tools` in scan-test.json |  |  |  |  |  |  |  |  |',
    );
    expect(lines[lines.length - 1]).toMatch(
      /^<sub>From `bench\/results\/scan-test.json`, 2026-12-06.*0123456789/,
    );
  });
});
