export * from './endpoints.js';
export * from './allowlist-formats.js';
export * from './sources.js';
export * from './ping-answers.js';
export * from './sensor-generations.js';
export * from './mde-endpoints.js';
export * from './trust-roots.js';
