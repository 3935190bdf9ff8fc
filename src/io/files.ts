/** File-system checks and writes shared by the readers: one wording for every missing or unreadable input. */
import { dirname } from 'node:path';
import { access, constants, rename, rm, stat, writeFile } from 'node:fs/promises';
import { LocusInputError, isErrnoCode } from '../errors.js';

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export async function isWritableDir(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Write text atomically: a temporary file in the same folder, then rename over the target. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}

/**
 * The error to report when writing `path` (or its temporary `path.tmp-*`) failed: a missing or
 * unwritable folder, or a folder where the file should go, named as such (the system's message names
 * the temporary file, which means nothing to the user); anything else as it is.
 */
export function outputError(path: string, err: unknown): unknown {
  // Only the output's own errors: an input that vanished mid-run (even one named like the output,
  // out.vcf beside out.vcf.gz) keeps its own message.
  const failedPath = (err as NodeJS.ErrnoException | undefined)?.path;
  if (failedPath !== path && !failedPath?.startsWith(`${path}.tmp-`)) return err;
  const folder = dirname(path);
  if (isErrnoCode(err, 'ENOENT')) {
    return new LocusInputError(
      path,
      `Cannot write "${path}": the folder "${folder}" does not exist`,
      `create it (\`mkdir -p ${folder}\`) or choose another output path`,
    );
  }
  if (isErrnoCode(err, 'EISDIR')) {
    return new LocusInputError(
      path,
      `Cannot write "${path}": it is a folder`,
      'give a file path for the output (inside that folder if you like)',
    );
  }
  if (isErrnoCode(err, 'EACCES') || isErrnoCode(err, 'EROFS')) {
    return new LocusInputError(
      path,
      `Cannot write "${path}": the folder "${folder}" is not writable`,
      'choose an output path in a folder you can write to',
    );
  }
  return err;
}

/** Check that an input path is a readable regular file; turn fs errors into errors users can act on. */
export async function checkInputFile(path: string, kind: string): Promise<number> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new LocusInputError(
        path,
        `"${path}" is a directory, not a ${kind} file`,
        `give the path of the ${kind} file itself`,
      );
    }
    return info.size;
  } catch (err) {
    if (err instanceof LocusInputError) throw err;
    if (isErrnoCode(err, 'ENOENT')) {
      throw new LocusInputError(path, `${kind} file "${path}" does not exist`, 'check the path');
    }
    if (isErrnoCode(err, 'EACCES')) {
      throw new LocusInputError(
        path,
        `Cannot read ${kind} file "${path}": permission denied`,
        'check its permissions',
      );
    }
    throw err;
  }
}
