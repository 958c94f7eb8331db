/**
 * Newline framing for the NDJSON baseline: text chunks in, whole lines out. Only the new chunk is
 * searched, and a line spread over many chunks is joined once, so a 1 MiB line costs O(size).
 */
export class LineSplitter {
  private pending: string[] = [];

  /** Calls `onLine` for each line completed by `chunk`; returns how many there were. */
  push(chunk: string, onLine: (line: string) => void): number {
    let lines = 0;
    let from = 0;
    let newline = chunk.indexOf('\n');
    while (newline !== -1) {
      const piece = chunk.slice(from, newline);
      if (this.pending.length > 0) {
        this.pending.push(piece);
        onLine(this.pending.join(''));
        this.pending = [];
      } else {
        onLine(piece);
      }
      lines++;
      from = newline + 1;
      newline = chunk.indexOf('\n', from);
    }
    if (from < chunk.length) this.pending.push(from === 0 ? chunk : chunk.slice(from));
    return lines;
  }
}
