/**
 * atp-netlab's public API. Everything the CLI does is available here, for tests and tools
 * that embed the lab: `await using lab = await startLab(def, await LabPki.load())` (the in-process engine).
 */
export { AtpNetlabError, ERROR_CODES, type ErrorCode } from './errors.js';
export { IDENTITIES, IDENTITY_INFO, type Identity } from './identity.js';
export type { RouteDecision, RouteHop, RouteResult, RouteSource } from './route.js';
export { realTransport, type NetTransport } from './transport.js';
export * from './catalog/index.js';
export { LabPki, type CertKey, type PkiRole } from './pki/index.js';
export { PROBE_CODES, PROBE_STEPS, type ProbeCode, type ProbeOutcome, type ProbeStep } from './probe/outcome.js';
export { checkUrl, REAL_TIMEOUTS, type ProbeOptions, type ProbeTimeouts } from './probe/check-url.js';
export { checkRevocationUrl, type RevocationCheck } from './probe/check-revocation.js';
export { PROBE_CHANNELS } from './probe/diagnostics.js';
export { probeHost, type ProbeHostOptions, type ProbeHostReport } from './probe/probe-host.js';
export { runRealHostChecks, type HostChecksReport, type HostCheckEntry, type HostChecksMode } from './probe/host/real-host-checks.js';
export * as wininet from './wininet/index.js';
export * as registry from './registry/index.js';
export * as proxyCopy from './proxy-copy/index.js';
export { type LabDefinition, type LabPlan, compileNetworkPlan, explainNetworkPlan, COMPONENT_KINDS } from './lab/index.js';
export { startInprocLab as startLab, StartedInprocLab, inprocEngine } from './engines/inproc/inproc-engine.js';
export { ENGINES, engineByName, type Engine, type StartedEngineLab } from './engines/index.js';
export { compileScenario } from './scenario/compile-plan.js';
export { loadScenarioFile, parseScenarioText, findScenarioFiles, type LoadedScenario } from './scenario/load-scenario.js';
export { runScenarios, runScenario, type RunOptions } from './scenario/run-scenario.js';
export { scenarioSchema, scenarioJsonSchema, type Scenario } from './scenario/schema.js';
export type { RunReport, ScenarioResult, CheckResult } from './report/result-model.js';
export { renderConsoleReport } from './report/console-report.js';
export { renderJsonReport } from './report/json-report.js';
export { renderJunitReport } from './report/junit-report.js';
export { renderHtmlReport } from './report/html-report.js';
export { renderMarkdownReport } from './report/markdown-report.js';
export { remediationFor } from './report/remediation.js';
