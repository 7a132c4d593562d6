/** What bench/run.ts gives a benchmark part: the shared data, a work directory of its own, quick mode, a log line. */
export interface PartOptions {
  shared: string;
  workDir: string;
  quick: boolean;
  log: (m: string) => void;
}
