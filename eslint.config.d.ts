/** Types of eslint.config.js's named export, for the layer-rule test. */
export declare const LAYERS: Record<string, string[]>;
declare const config: unknown[];
export default config;
