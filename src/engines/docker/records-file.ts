/**
 * A component container's records, as the in-process engine exposes them (the component's own
 * record shape, newest last, RecordLog's bound): the container writes them to a file in a
 * folder the engine mounts, and the engine reads that file when asked (records() is synchronous).
 *
 *   component-main: every PUBLISH_INTERVAL_MS, if the log changed ─▶ records.json.tmp ─rename─▶ records.json
 *   engine records(name) ─▶ readFileSync(<run dir>/records-<slot>/records.json) ─▶ JSON.parse
 *
 * A record the component keeps is at most PUBLISH_INTERVAL_MS late; the rename means a reader
 * never sees half a file.
 */
import fs from 'node:fs';
import path from 'node:path';

export const RECORDS_MOUNT = '/lab/records';
export const RECORDS_FILE = 'records.json';
export const PUBLISH_INTERVAL_MS = 50;

/** Writes `records()` to dir/records.json whenever its length or newest entry changed; returns a stop that writes a last time. */
export function publishRecords(records: () => readonly object[], dir: string, intervalMs = PUBLISH_INTERVAL_MS): () => void {
  const file = path.join(dir, RECORDS_FILE);
  let length = -1;
  let newest: object | undefined;
  const write = () => {
    const list = records();
    if (list.length === length && list.at(-1) === newest) return;
    length = list.length;
    newest = list.at(-1);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(list));
    fs.renameSync(`${file}.tmp`, file);
  };
  write();
  const timer = setInterval(write, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    write();
  };
}

/** The records a container published, or none yet. */
export function readPublishedRecords(dir: string): object[] {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, RECORDS_FILE), 'utf8')) as object[];
  } catch {
    return [];
  }
}
