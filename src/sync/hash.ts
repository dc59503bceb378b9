import { createHash } from 'node:crypto';

/** Hex sha256 of the exact bytes (the manifest's hand-edit detector). */
export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The object id git gives these bytes as a blob, computed in-process so the manifest can name a
 * merge base that `git cat-file` can fetch later without us ever calling `git hash-object`.
 * @see https://git-scm.com/book/en/v2/Git-Internals-Git-Objects (header `blob <size>\0`)
 */
export function gitBlobId(bytes: Buffer | string): string {
  const body = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  return createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');
}
