/**
 * What a lab component did, newest last, for tests and `lab up` sessions to inspect. A lab
 * left running for hours must not grow without bound, so only the newest entries are kept.
 */
export const MAX_RECORDS = 10_000;

export class RecordLog<T> extends Array<T> {
  // filter/map/slice on a log return plain arrays, not logs.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  constructor(private readonly max = MAX_RECORDS) {
    super();
  }

  override push(...items: T[]): number {
    super.push(...items);
    if (this.length > this.max) this.splice(0, this.length - this.max);
    return this.length;
  }
}
