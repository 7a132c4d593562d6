// glibc's malloc settings build-release runs with (mallopt(3)): a fixed mmap threshold of 16 MiB
// and two arenas. Left as it is, glibc raises the threshold to the size of each large block freed,
// so the buffers of the next brotli encoders come from per-thread heaps (one per libuv thread) it
// never gives back, and a whole-set build grew by hundreds of MB it no longer used; a 128 KiB
// threshold bounds that best but makes every encoder's buffers fresh pages, 16 % of the whole
// set's time (docs/release-format.md, "Bounded memory"). bin/geobundle.js sets them; the lookup
// bench, which runs the index alone, too.
export const BUILD_MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: String(16 * 1024 * 1024), MALLOC_ARENA_MAX: '2' };
