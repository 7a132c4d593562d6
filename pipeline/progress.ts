/**
 * Progress for long work goes to stderr so stdout stays clean for `--json`
 * output and pipes; `--quiet` silences it.
 */
export interface Progress {
  info(message: string): void;
}

export function stderrProgress(stderr: { write(text: string): unknown }, quiet: boolean): Progress {
  return {
    info(message) {
      if (!quiet) stderr.write(`${message}\n`);
    },
  };
}

export const silentProgress: Progress = { info() {} };
