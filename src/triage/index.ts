export * from './signatures.js';
export * from './read-log.js';
export * from './triage.js';
export * from './render-triage.js';
export * from './scenario-out.js';
