/**
 * spillguard as a library: one engine shared by the CLI's modes and by users' Node code.
 *
 *   import { scan, loadRules } from 'spillguard';
 *   const result = await scan({ paths: ['src'], rules: loadRules() });
 */
export { scan, scanStream, scanText, sortFindings, DEFAULT_MAX_FILE_SIZE } from './scan/index.js';
export type { ScanOptions, ScanResult, ScanStats, Unused } from './scan/index.js';
export type { InlineMarker } from './scan/file.js';
export type { Skipped, ReadError } from './sources/files.js';
export type { ChunkOptions } from './sources/chunker.js';
export type { ArchiveLimits } from './sources/archive.js';
export { loadRules, loadPacks, BUILTIN_RULES_DIR } from './config/rules.js';
export type { LoadRulesOptions, LoadedRules } from './config/rules.js';
export { createEngine } from './engine/engine.js';
export type { Engine, EngineOptions } from './engine/engine.js';
export { parseConfig } from './engine/schema.js';
export type { ParsedConfig, ParseOptions } from './engine/schema.js';
export { checkExamples } from './engine/examples.js';
export type { ExampleFailure } from './engine/examples.js';
export { registerValidator, validatorNames } from './engine/validators.js';
export type { Validator, Verdict, VerdictDetail } from './engine/validators.js';
export type { OptionValue } from './engine/pii.js';
export { fingerprint } from './engine/fingerprint.js';
export { applyFilters } from './filters/index.js';
export type { BaselineLookup, Dropped, FilterResult, FilterOptions } from './filters/index.js';
export { loadBaseline } from './filters/baseline.js';
export type { Baseline, BaselineEntry, BaselineMatcher } from './filters/baseline.js';
export { format, mask, type Report, type ReportContext } from './reporters/index.js';
export { SpillguardError } from './errors.js';
export type { ErrorCode, ErrorContext } from './errors.js';
export type * from './engine/types.js';
export { scanStaged } from './git/staged.js';
export type { StagedOptions } from './git/staged.js';
export { scanHistory, prePushRevs, preReceiveRevs } from './git/history.js';
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
export type { Redactor, RedactorOptions, InjectionRecord } from './redact/session.js';
export { DocumentError, type FormatOptions } from './redact/formats/types.js';
export type { ManifestEntry } from './redact/manifest.js';
