import type { Emitter } from './types.js';

/** Every emitter, in a fixed order. Add one line per output module. */
export const emitters: ReadonlyArray<readonly [name: string, emit: Emitter]> = [];
