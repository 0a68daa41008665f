/**
 * The V8 heap flags every production start carries (npm scripts, the image's CMD, compose): a small young
 * generation and a low old-generation growing factor, so a process following many clones (long waits, steady
 * small allocations) collects before its garbage reaches 3-4 times what it keeps. Figures: bench/scale.ts
 * follow, README "Memory".
 */
export const NODE_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=10'] as const;
export const NODE = ['node', ...NODE_FLAGS].join(' ');
