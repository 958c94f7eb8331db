/** Where a command writes: stdout for results, stderr for failures, and one of two formats. */
export interface Output {
  /** `--json`: results are JSON objects, one per line. */
  readonly json: boolean;
  /** One human line on stdout. */
  line(text: string): void;
  /** One JSON object on one stdout line. */
  record(value: object): void;
  /** One line on stderr. */
  error(text: string): void;
}

export interface OutputStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function createOutput(
  json: boolean,
  streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr },
): Output {
  return {
    json,
    line: (text) => {
      streams.stdout.write(`${text}\n`);
    },
    record: (value) => {
      streams.stdout.write(`${JSON.stringify(value)}\n`);
    },
    error: (text) => {
      // A message must stay one line: scripts read the code from the start of it.
      streams.stderr.write(`${text.replace(/\s*\n\s*/g, ' ')}\n`);
    },
  };
}

/** Resolves once everything written to `stream` so far has been handed to the OS. */
export function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
}
