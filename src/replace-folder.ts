/**
 * Replace a whole folder at once, for outputs that are a folder (checkpoints, a scan's results): the new
 * contents are written into a sibling `DIR.tmp-<pid>`, an existing `DIR` is renamed to `DIR.old-<pid>`,
 * the new folder is renamed into place and the old one removed. A failure before the last rename
 * leaves `DIR` as it was and no temporary folder; a crash between the renames leaves both complete as
 * the `.old-` / `.tmp-` siblings. Imports nothing of Locus, so every layer can use it.
 */
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LocusInputError, isErrnoCode } from './errors.js';

export interface ReplaceFolderOptions {
  /** fsync the new folder before it goes into place and the parent after (default false). */
  durable?: boolean;
}

/** `fill` writes the new contents into the folder it is given; then it replaces `dir`. */
export async function replaceFolder(
  dir: string,
  fill: (temporary: string) => Promise<void>,
  options: ReplaceFolderOptions = {},
): Promise<void> {
  const parent = dirname(dir);
  const temporary = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  await mkdir(parent, { recursive: true });
  await rm(temporary, { recursive: true, force: true }); // left by an earlier crash with the same pid
  try {
    await mkdir(temporary);
    await fill(temporary);
    if (options.durable) await syncDir(temporary);
  } catch (err) {
    await rm(temporary, { recursive: true, force: true });
    throw err;
  }

  let movedOld = false;
  try {
    if (await exists(dir)) {
      await rm(old, { recursive: true, force: true });
      await rename(dir, old);
      movedOld = true;
    }
    await rename(temporary, dir);
  } catch (err) {
    if (movedOld) await rename(old, dir).catch(() => undefined);
    await rm(temporary, { recursive: true, force: true });
    throw err;
  }
  if (options.durable) await syncDir(parent);
  if (movedOld) await rm(old, { recursive: true, force: true });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) return false;
    throw err;
  }
}

/** fsync a folder so renames inside it survive a crash (not supported everywhere: best effort). */
async function syncDir(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open folders; some file systems refuse fsync on them.
  }
}

/** Fail before any work when `folder` exists, is not empty and `force` is not set. */
export async function checkOutputFolder(folder: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) {
      throw new LocusInputError(
        folder,
        `Output "${folder}" exists and is not a folder`,
        'give a folder path with -o',
      );
    }
    entries = await readdir(folder);
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) return;
    throw err;
  }
  if (entries.length > 0 && !force) {
    throw new LocusInputError(
      folder,
      `Output folder "${folder}" exists and is not empty`,
      'choose another -o folder, or add --force to replace it',
    );
  }
}
