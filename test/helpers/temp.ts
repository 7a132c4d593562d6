// One temp-dir helper for tests and benches alike (tests may import bench/, never the reverse).
export { tempDir } from '../../bench/temp.ts';
