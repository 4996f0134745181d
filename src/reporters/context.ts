import type { Finding, RuleSpec } from '../engine/types.js';
import type { Dropped } from '../filters/index.js';
import type { ReadError, Skipped } from '../sources/files.js';
import type { ScanStats, Unused } from '../scan/index.js';

/** Everything a reporter needs; reporters are pure functions of this. */
export interface Report {
  findings: Finding[];
  suppressed: Dropped[];
  skipped: Skipped[];
  errors: ReadError[];
  stats: ScanStats;
  /** Rules that were in force (SARIF lists them). */
  rules: readonly RuleSpec[];
  /** With --report-unused: suppressions that suppressed nothing. */
  unused?: Unused;
}

export interface ReportContext {
  toolVersion: string;
  showSecrets: boolean;
  color: boolean;
  /** Absolute path the reported paths are relative to (SARIF's %SRCROOT%). */
  root: string;
  /** Keys the fingerprints of personal data (shownFingerprint); without it they are left out. */
  fingerprintKey?: Uint8Array;
  /** SARIF automationDetails.id category. */
  category?: string;
  /** Include suppressed findings with their reasons (--explain). */
  explain?: boolean;
  /** End of the run, for formats that record times (GitLab); tests pin it. */
  now?: Date;
  /** Where a reporter says what it had to leave out (the CLI prints it on stderr). */
  warn?: (message: string) => void;
}

export const REPORT_SCHEMA_VERSION = 1;
