export {
  COPIED_VALUES,
  DEFAULT_TARGETS,
  SAVED_LEGACY_REASON,
  compareValue,
  connectionsKey,
  isNoOp,
  misspeltConnectionsKey,
  planProxyCopy,
  plannedWrites,
  renderProxyCopyPlan,
  type CompareStatus,
  type CopiedValueName,
  type PlanRequest,
  type ProxyCopyPlan,
  type SourceValue,
  type TargetPlan,
  type ValuePlan,
} from './plan.js';
export { applyProxyCopy, type ApplyOptions, type ProxyCopyResult } from './apply.js';
export { backupFileName, backupTimestamp, buildBackupReg, writeBackupFile } from './backup.js';
export { renderProxyCopyReg, renderProxyCopyRegText } from './render-reg.js';
export { psQuote, psRegCommand, renderProxyCopyPs1, type Ps1Options } from './render-ps1.js';
export { JOURNAL_DIR, ProxyCopyTransaction, journalDirFor, recoverProxyCopy, type JournalWrite, type RecoveryResult } from './journal.js';
