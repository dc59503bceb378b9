/**
 * Every diagnostic code the sync engine (`mlgen sync`, `mlgen check`, `yo mlservice`) can report,
 * with what it means. Same shape as `CONFIG_CODES` (src/config/codes.ts) and `MODELS_CATALOGUE`
 * (src/models/errors.ts): `docs/errors.md` has one row per entry with this exact text, and
 * `test/config/codes.test.ts` fails when the two drift apart.
 */
export const SYNC_CATALOGUE = {
  'SYNC.HAND_EDITED': 'A generated file differs from what mlgen last wrote and from what it would write now; nothing is written (exit 2).',
  'SYNC.COLLISION': 'A file mlgen did not write is where a generated file goes, with other bytes; nothing is written (exit 2).',
  'SYNC.NO_MERGE_BASE': '`--merge`: the bytes mlgen last wrote are neither in git nor in `.mlgen/cache/`; the new version is written beside the file as `<file>.mlgen-new`.',
  'SYNC.MERGED': '`--merge`: the hand edit and the new output were merged cleanly and the result is recorded in the manifest as a local change you keep; the message names the merge base (warning).',
  'SYNC.MERGE_CONFLICT': '`--merge`: the hand edit and the new output change the same lines; the file gets conflict markers (exit 2).',
  'SYNC.LOCAL_REAPPLIED': 'A local change kept in a generated file was re-applied onto the new output by a clean three-way merge (warning).',
  'SYNC.LOCAL_CONFLICT': 'A local change kept in a generated file and the new output change the same lines; nothing is written (exit 2).',
  'SYNC.NOT_A_FILE': 'A directory (or a file as a parent directory) is where mlgen writes a file.',
  'SYNC.ORPHAN_EDITED': 'A file mlgen no longer generates was edited by hand, so it is kept and is yours now (warning).',
  'SYNC.MANIFEST_INVALID': '`.mlgen/manifest.json` cannot be read (merge conflict, bad JSON, unsafe path); the project is treated as never synced (warning).',
  'SYNC.GENERATOR_VERSION': 'Another mlgen version wrote `.mlgen/manifest.json` (warning; also drift for `mlgen check`).',
  'SYNC.UPDATE_SKIPPED': 'A file you own (`src/hooks.ts`, `package.json` ...) could not be brought up to date, e.g. it does not parse; it is left unchanged (warning).',
  'SYNC.PACKAGE_JSON_INVALID': '`package.json` is not valid JSON, so mlgen cannot update its part of it; it is left unchanged (warning during a sync).',
  'SYNC.HOOK_UTILS_MOVED':
    'Your code imports `src/generated/hook-utils.js`; the hook helpers now come from `@mlservice/runtime/hooks`, and mlgen keeps that file as a re-export while anything imports it (warning).',
  'SYNC.PATH_INVALID': 'An emitter named a path that is not clean and relative to the project root (internal error, exit 70).',
  'SYNC.PATH_OUTSIDE_ROOT': 'A path resolves outside the project, through a symlink; nothing is written (exit 2).',
} as const;

export type SyncCode = keyof typeof SYNC_CATALOGUE;

type ShortName<C> = C extends `SYNC.${infer S}` ? S : never;

/** The codes by short name, for use in code (`SYNC_CODES.HAND_EDITED`), derived so the two cannot drift. */
export const SYNC_CODES = Object.fromEntries(Object.keys(SYNC_CATALOGUE).map((c) => [c.slice('SYNC.'.length), c])) as {
  readonly [C in SyncCode as ShortName<C>]: C;
};
