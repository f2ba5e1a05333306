export * from './key-path.js';
export * from './value.js';
export * from './reg-file.js';
export { decodeRegBytes, hexToValue, parseRegText, readRegFileBytes, type ReadOptions } from './reg-file-reader.js';
export { encodeRegText, formatValueLine, writeRegFileBytes, writeRegText } from './reg-file-writer.js';
export { RegistryTree } from './registry-tree.js';
export type { RegistryStore } from './registry-store.js';
export { FileRegistryStore, hiveFileName } from './file-registry-store.js';
export { MemoryRegistryStore } from './memory-registry-store.js';
export * from './reg-exe-args.js';
export {
  WindowsRegistryStore,
  commandRegRunner,
  defaultRegRunner,
  type RegCommandOptions,
  type RegRunResult,
  type RegRunner,
  type WindowsStoreOptions,
} from './windows-registry-store.js';
export * from './connection-values.js';
export { CERT_CERT_PROP_ID, parseSerializedCertificate, serializeCertificate, type SerializedCertificate, type SerializedProperty } from './serialized-certificate.js';
