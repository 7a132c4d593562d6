/** glibc's malloc settings build-release runs with (build-malloc.js). */
export declare const BUILD_MALLOC_ENV: Readonly<Record<'MALLOC_MMAP_THRESHOLD_' | 'MALLOC_ARENA_MAX', string>>;
