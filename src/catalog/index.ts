export * from './endpoints.js';
export * from './allowlist-formats.js';
