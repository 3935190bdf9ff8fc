// Bundles the desktop's browser-side code with esbuild (run by `npm run build`):
// - the renderer, electron/renderer/main.ts -> dist/renderer/app.js (+ index.html, app.css), with igv.js;
// - the preload, electron/preload.ts -> dist/electron/preload.cjs (a sandboxed preload must be one CJS file).
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { build } from 'esbuild';

/**
 * igv.js 3.8.10 cannot load a genome whose contig names start with "gi|" (NCBI's old style, as in
 * `gi|110640213|ref|NC_008253.1|`): its alias table declares `const alias = alias.substring(...)`,
 * which throws "Cannot access 'alias' before initialization", and the genome never shows. This
 * renames the inner variable. If a later igv.js no longer has the line, the build says so and goes on.
 */
const igvAliasFix = {
  name: 'igv-ncbi-alias-fix',
  setup(esbuild) {
    esbuild.onLoad({ filter: /[\\/]igv[\\/]dist[\\/]igv\.esm\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const buggy = /const alias = alias\.substring\(0, dotIndex\);\s*record\["ncbi-gi"\] = alias;/;
      if (!buggy.test(source)) {
        return {
          contents: source,
          loader: 'js',
          warnings: [{ text: 'igv.js NCBI alias fix not applied: the line has changed upstream' }],
        };
      }
      const fixed = source.replace(
        buggy,
        'const unversioned = alias.substring(0, dotIndex);\n                        record["ncbi-gi"] = unversioned;',
      );
      return { contents: fixed, loader: 'js' };
    });
  },
};

await mkdir('dist/renderer', { recursive: true });
await build({
  entryPoints: ['electron/renderer/main.ts'],
  bundle: true,
  format: 'esm',
  // igv's package.json "browser" field is a UMD build; its ES module is what we patch and bundle.
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
  outfile: 'dist/renderer/app.js',
  plugins: [igvAliasFix],
});
await copyFile('electron/renderer/index.html', 'dist/renderer/index.html');
await copyFile('electron/renderer/app.css', 'dist/renderer/app.css');
await build({
  entryPoints: ['electron/preload.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  external: ['electron'],
  logLevel: 'warning',
  outfile: 'dist/electron/preload.cjs',
});
