export type * from './types.js';
export * from './names.js';
