/**
 * In-memory registry: keys in insertion order, names case-insensitive (as on Windows) but
 * spelled as first written. Parents are implicit: a key exists when it or any key below it
 * is stored, which is how a .reg export reads and keeps files free of empty parent keys.
 */
import { isKeyAtOrBelow, normalizeKeyPath } from './key-path.js';
import type { RegFile, RegFileEntry } from './reg-file.js';
import type { RegNamedValue, RegValue } from './value.js';

interface StoredKey {
  path: string;
  values: Map<string, RegNamedValue>;
}

export class RegistryTree {
  private readonly keys = new Map<string, StoredKey>();

  static fromRegFile(doc: RegFile): RegistryTree {
    const t = new RegistryTree();
    t.apply(doc);
    return t;
  }

  get size(): number {
    return this.keys.size;
  }

  /** True when the key is stored or has stored descendants. */
  keyExists(path: string): boolean {
    const p = normalizeKeyPath(path);
    if (this.keys.has(p.toLowerCase())) return true;
    for (const k of this.keys.values()) if (isKeyAtOrBelow(k.path, p)) return true;
    return false;
  }

  /** Values of a key in stored order; undefined when the key does not exist. */
  listValues(path: string): RegNamedValue[] | undefined {
    const k = this.keys.get(normalizeKeyPath(path).toLowerCase());
    if (k) return [...k.values.values()];
    return this.keyExists(path) ? [] : undefined;
  }

  readValue(path: string, name: string): RegValue | undefined {
    return this.keys.get(normalizeKeyPath(path).toLowerCase())?.values.get(name.toLowerCase())?.value;
  }

  /** Direct children, spelled as stored. */
  listSubkeys(path: string): string[] {
    const p = normalizeKeyPath(path);
    const out = new Map<string, string>();
    for (const k of this.keys.values()) {
      if (!isKeyAtOrBelow(k.path, p) || k.path.length === p.length) continue;
      const child = k.path.slice(p.length + 1).split('\\')[0]!;
      if (!out.has(child.toLowerCase())) out.set(child.toLowerCase(), `${p}\\${child}`);
    }
    return [...out.values()];
  }

  /** All stored key paths, in order. */
  allKeys(): string[] {
    return [...this.keys.values()].map((k) => k.path);
  }

  createKey(path: string): void {
    const p = normalizeKeyPath(path);
    if (!this.keys.has(p.toLowerCase())) this.keys.set(p.toLowerCase(), { path: p, values: new Map() });
  }

  setValue(path: string, name: string, value: RegValue): void {
    this.createKey(path);
    const k = this.keys.get(normalizeKeyPath(path).toLowerCase())!;
    const existing = k.values.get(name.toLowerCase());
    // Windows keeps the original spelling of a value name when it is overwritten.
    k.values.set(name.toLowerCase(), { name: existing?.name ?? name, value });
  }

  deleteValue(path: string, name: string): boolean {
    return this.keys.get(normalizeKeyPath(path).toLowerCase())?.values.delete(name.toLowerCase()) ?? false;
  }

  /** Deletes the key and everything below it. */
  deleteKey(path: string): boolean {
    const p = normalizeKeyPath(path);
    let any = false;
    for (const [lower, k] of [...this.keys]) {
      if (isKeyAtOrBelow(k.path, p)) {
        this.keys.delete(lower);
        any = true;
      }
    }
    return any;
  }

  /** Applies a .reg file's operations in order, as `reg import` does. */
  apply(doc: RegFile): void {
    for (const e of doc.entries) this.applyEntry(e);
  }

  applyEntry(e: RegFileEntry): void {
    if (e.kind === 'deleteKey') {
      this.deleteKey(e.path);
      return;
    }
    this.createKey(e.path);
    for (const v of e.values) {
      if (v.value === null) this.deleteValue(e.path, v.name);
      else this.setValue(e.path, v.name, v.value);
    }
  }

  /** The key and its stored descendants, as .reg entries (what `reg export` covers). */
  exportEntries(path: string): RegFileEntry[] {
    const p = normalizeKeyPath(path);
    return [...this.keys.values()]
      .filter((k) => isKeyAtOrBelow(k.path, p))
      .map((k) => ({ kind: 'key' as const, path: k.path, values: [...k.values.values()].map((v) => ({ name: v.name, value: v.value })) }));
  }

  toRegFile(format: RegFile['format'] = 'regedit5'): RegFile {
    return {
      format,
      entries: [...this.keys.values()].map((k) => ({
        kind: 'key' as const,
        path: k.path,
        values: [...k.values.values()].map((v) => ({ name: v.name, value: v.value })),
      })),
    };
  }
}
