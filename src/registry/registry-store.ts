/**
 * One interface over the places a registry lives: the lab's file-backed registry and a live
 * Windows host (reg.exe). proxy-copy and the probe only see this interface.
 */
import type { RegNamedValue, RegValue } from './value.js';

export interface RegistryStore {
  /** 'lab' for the file-backed store, 'windows' for reg.exe. */
  readonly kind: 'lab' | 'windows';
  keyExists(key: string): Promise<boolean>;
  /** Undefined when the key or value does not exist. */
  readValue(key: string, name: string): Promise<RegValue | undefined>;
  /** Undefined when the key does not exist. */
  listValues(key: string): Promise<RegNamedValue[] | undefined>;
  /** Full paths of the direct subkeys; [] when none or missing. */
  listSubkeys(key: string): Promise<string[]>;
  /** Creates the key (and parents) when missing. */
  writeValue(key: string, name: string, value: RegValue): Promise<void>;
  deleteValue(key: string, name: string): Promise<void>;
  /** Deletes the key and its subtree. */
  deleteKey(key: string): Promise<void>;
  /**
   * The keys and their subtrees as regedit5 .reg text (CRLF, no BOM: see encodeRegText),
   * like `reg export`. Missing keys fail with ATPNL_REG_NOT_FOUND.
   */
  exportKeys(keys: string[]): Promise<string>;
  /** Applies .reg text, like `reg import`. */
  importReg(text: string): Promise<void>;
  /**
   * File-backed stores only: the files that hold these keys (a transaction keeps and restores
   * their exact bytes) and the folder where a transaction journal for this store lives.
   */
  transactionFiles?(keys: string[]): { stateDir: string; files: string[] };
  /** File-backed stores only: removes temp files that killed processes left; returns their paths. */
  removeStaleTempFiles?(): Promise<string[]>;
}
