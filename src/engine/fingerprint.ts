import { createHash } from 'node:crypto';

/**
 * The one identity of a finding, shared by baselines, ignore files and SARIF partialFingerprints.
 * It hashes the rule and the secret only — no path, line or commit — so the same secret keeps its
 * identity when lines move, files are renamed or commits are squashed. The domain prefix keeps these
 * hashes from being compared with plain sha256 digests of candidate secrets found elsewhere.
 */
export function fingerprint(ruleId: string, secret: string): string {
  return createHash('sha256').update(`spillguard:v1\0${ruleId}\0${secret}`).digest('hex').slice(0, 32);
}
