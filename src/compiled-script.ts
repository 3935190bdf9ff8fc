/**
 * The compiled `.js` of a worker script. Compiled code (dist/...) finds its sibling; run from
 * TypeScript sources (vitest) there is no `.js` sibling, and Node 20 cannot run `.ts` in a worker or a
 * child process, so the build's copy under dist/ is used instead: run `npm run build` first (`npm test`
 * does), and rebuild after changing the code the script runs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `name` next to the module at `moduleUrl` (its `import.meta.url`), else `fromDist` resolved against
 * that module (the same file in the build).
 */
export function compiledScript(moduleUrl: string, name: string, fromDist: string): URL {
  const sibling = new URL(`./${name}`, moduleUrl);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const compiled = new URL(fromDist, moduleUrl);
  if (existsSync(fileURLToPath(compiled))) return compiled;
  throw new Error(
    `Cannot find ${name} (${fileURLToPath(sibling)} or ${fileURLToPath(compiled)}); run \`npm run build\``,
  );
}
