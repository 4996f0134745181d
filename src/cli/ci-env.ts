/**
 * Which CI system runs us, and whether this is a pull/merge request whose added commits are all
 * that needs scanning. Pure: reads only the environment object it is given.
 */
export type CiProvider = 'github' | 'gitlab' | 'generic' | 'none';

export interface CiContext {
  provider: CiProvider;
  /** Revision to diff against on a pull/merge request: only commits after it are scanned. */
  base?: string;
  /** Where the base came from, for the log line. */
  baseSource?: string;
  /** The event, for people: `pull_request`, `merge_request_event`, `push`… */
  event?: string;
}

export function detectCi(env: Record<string, string | undefined>, explicitBase?: string): CiContext {
  let ctx: CiContext;
  if (env.GITHUB_ACTIONS === 'true') {
    const event = env.GITHUB_EVENT_NAME;
    const isPr = (event === 'pull_request' || event === 'pull_request_target') && !!env.GITHUB_BASE_REF;
    // actions/checkout fetches the base branch as a remote-tracking ref only with fetch-depth: 0.
    ctx = isPr
      ? { provider: 'github', event, base: `origin/${env.GITHUB_BASE_REF}`, baseSource: 'GITHUB_BASE_REF' }
      : { provider: 'github', event };
  } else if (env.GITLAB_CI === 'true') {
    const base = env.CI_MERGE_REQUEST_DIFF_BASE_SHA;
    ctx = base
      ? { provider: 'gitlab', event: env.CI_PIPELINE_SOURCE, base, baseSource: 'CI_MERGE_REQUEST_DIFF_BASE_SHA' }
      : { provider: 'gitlab', event: env.CI_PIPELINE_SOURCE };
  } else if (env.CI && env.CI !== 'false' && env.CI !== '0') {
    ctx = { provider: 'generic' };
  } else {
    ctx = { provider: 'none' };
  }
  if (explicitBase) return { ...ctx, base: explicitBase, baseSource: '--base' };
  return ctx;
}
