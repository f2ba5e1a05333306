/**
 * A registry held in memory: a .reg export loaded for planning (the targets' real state is
 * elsewhere), and tests. Same semantics as the file store, no files.
 */
import { AtpNetlabError } from '../errors.js';
import { parseKeyPath } from './key-path.js';
import { parseRegText } from './reg-file-reader.js';
import type { RegFile, RegFileEntry } from './reg-file.js';
import { writeRegText } from './reg-file-writer.js';
import type { RegistryStore } from './registry-store.js';
import { RegistryTree } from './registry-tree.js';
import type { RegNamedValue, RegValue } from './value.js';

export class MemoryRegistryStore implements RegistryStore {
  readonly kind = 'lab' as const;
  readonly tree: RegistryTree;

  constructor(tree: RegistryTree = new RegistryTree()) {
    this.tree = tree;
  }

  static fromRegFile(doc: RegFile): MemoryRegistryStore {
    return new MemoryRegistryStore(RegistryTree.fromRegFile(doc));
  }

  async keyExists(key: string): Promise<boolean> {
    return parseKeyPath(key).subkey === '' || this.tree.keyExists(key);
  }
  async readValue(key: string, name: string): Promise<RegValue | undefined> {
    return this.tree.readValue(key, name);
  }
  async listValues(key: string): Promise<RegNamedValue[] | undefined> {
    return this.tree.listValues(key);
  }
  async listSubkeys(key: string): Promise<string[]> {
    return this.tree.listSubkeys(key);
  }
  async writeValue(key: string, name: string, value: RegValue): Promise<void> {
    this.tree.setValue(key, name, value);
  }
  async deleteValue(key: string, name: string): Promise<void> {
    this.tree.deleteValue(key, name);
  }
  async deleteKey(key: string): Promise<void> {
    this.tree.deleteKey(key);
  }
  async exportKeys(keys: string[]): Promise<string> {
    const entries: RegFileEntry[] = [];
    for (const key of keys) {
      if (!this.tree.keyExists(key)) throw new AtpNetlabError('ATPNL_REG_NOT_FOUND', `registry key not found: ${parseKeyPath(key).full}`);
      entries.push(...this.tree.exportEntries(key));
    }
    return writeRegText({ format: 'regedit5', entries });
  }
  async importReg(text: string): Promise<void> {
    // parsed completely before anything changes: a bad line leaves the registry untouched
    this.tree.apply(parseRegText(text, { file: '(import)' }));
  }
}
