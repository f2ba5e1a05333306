/** Complete lines out of a stream's chunks: the JSON-lines channels over `docker run` attach. */
export class LineBuffer {
  private rest = '';

  /** `maxLineBytes`: a partial line that grows past it is dropped whole (a bounded buffer). */
  constructor(private readonly maxLineBytes = Number.POSITIVE_INFINITY) {}

  /** The lines `chunk` completes (with what came before it); keeps the partial last one. */
  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop()!;
    if (this.rest.length > this.maxLineBytes) this.rest = '';
    return parts;
  }
}
