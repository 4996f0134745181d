/**
 * spillguard as a library: one engine shared by the CLI's modes and by users' Node code.
 *
 *   import { scan, loadRules } from 'spillguard';
 *   const result = await scan({ paths: ['src'], rules: loadRules() });
 */
export { scan, scanStream, scanText, sortFindings, DEFAULT_MAX_FILE_SIZE } from './scan/index.js';
export type { ScanOptions, ScanResult, ScanStats } from './scan/index.js';
export { loadRules, loadPacks, BUILTIN_RULES_DIR } from './config/rules.js';
export type { LoadRulesOptions, LoadedRules } from './config/rules.js';
export { createEngine } from './engine/engine.js';
export type { Engine } from './engine/engine.js';
export { parseConfig } from './engine/schema.js';
export { checkExamples } from './engine/examples.js';
export { registerValidator, validatorNames } from './engine/validators.js';
export { fingerprint } from './engine/fingerprint.js';
export { applyFilters } from './filters/index.js';
export type { Dropped, FilterResult, FilterOptions } from './filters/index.js';
export { format, mask, type Report, type ReportContext } from './reporters/index.js';
export { SpillguardError } from './errors.js';
export type * from './engine/types.js';
export { scanStaged } from './git/staged.js';
export { scanHistory, prePushRevs } from './git/history.js';
export type { HistoryOptions, HistoryProgress } from './git/history.js';
export type { GitScanOptions, GitScanResult } from './git/common.js';
export { installHooks, uninstallHooks } from './git/hooks.js';
export type { HookAction, HookName, InstallOptions, UninstallOptions } from './git/hooks.js';
export { redactText, redactStream, createRedactor } from './redact/api.js';
export type { RedactOptions, RedactTextOptions, RedactTextResult, RedactStreamOptions } from './redact/api.js';
export { redactCorpus } from './redact/corpus.js';
export type { CorpusOptions, CorpusSummary } from './redact/corpus.js';
export { parseRedactConfig, loadRedactConfig } from './redact/config.js';
export type { RedactConfig } from './redact/config.js';
export type { Operator, RedactionRecord } from './redact/types.js';
export type { ManifestEntry } from './redact/manifest.js';
