#!/usr/bin/env node
/**
 * Builds the precision fixture (fixtures/precision/repo/ and fixtures/precision/labels.json) from
 * fixtures/precision/source.txt. Run it after editing the source: `node scripts/gen-precision-fixture.mjs`
 * (`--check` only reports whether the generated tree is up to date, exit 1 if not).
 *
 * Why a source file and a generator rather than a hand-edited tree:
 * - labels are written on the line they label (a `⟪rule-a,rule-b⟫` marker at the end of the line), so
 *   editing a fixture file cannot leave a label pointing at the wrong line;
 * - planted secrets are `«name»` placeholders filled here from a seeded PRNG, so they are random (as real
 *   secrets are: entropy checks see what they would see in the wild), format-correct (checksums, macaroon
 *   and JWT structure) and identical on every run; the source holds no planted secret itself.
 *
 * Source format: `=== path ===` starts a file (relative to repo/); every following line up to the next
 * `=== ` header is its content. A line ending in one or more `⟪…⟫` markers carries that many expected
 * findings; each marker lists the rule ids that may report it (any of them is a correct finding,
 * e.g. the provider rule and a generic rule). Labels are decided by what a security reviewer would
 * call a leaked secret, never by what the tool happens to report.
 */
// One checksum implementation: the validator's (the build runs first).
import { base62, crc32 } from '../dist/engine/validators.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIX = path.join(ROOT, 'fixtures/precision');
const SOURCE = path.join(FIX, 'source.txt');
const REPO = path.join(FIX, 'repo');
const LABELS = path.join(FIX, 'labels.json');

// --- deterministic randomness -------------------------------------------------------------------
let state = 0x5eed1e55;
function next() {
  // mulberry32
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = '0123456789abcdef';
const B64 = ALNUM + '+/';
const B64URL = ALNUM + '-_';
const BASE32 = UPPER + '234567';
const BASE62 = DIGITS + UPPER + LOWER;
/** Symbols that survive every format in the fixture (no quote, #, $, :, @, /, ;, &, <, \). */
const PW = ALNUM + ALNUM + '!%*+-._~^=';
const URLPW = ALNUM + ALNUM + '-._~';
/** Values containing these are what placeholder filters drop; a planted secret must not hit one by chance. */
const AVOID = /test|example|fake|dumm|sample|xxx|your|change|redact|insert|replace|placeholder|passw|secret|lookup|todo|null|none/i;

function tok(charset, n) {
  for (;;) {
    let s = '';
    for (let i = 0; i < n; i++) s += charset[Math.floor(next() * charset.length)];
    if (!AVOID.test(s)) return s;
  }
}
/** A human-chosen strong password: starts with a letter, has a digit and a symbol. */
function pw(n, charset = PW) {
  for (;;) {
    const s = tok(UPPER + LOWER, 1) + tok(charset, n - 1);
    if (/[0-9]/.test(s) && /[^A-Za-z0-9]/.test(s)) return s;
  }
}
const bytes = (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256)));
const b64 = (b) => Buffer.from(b).toString('base64');
const b64url = (b) => Buffer.from(b).toString('base64url');
const uuid = () => {
  const h = tok(HEX, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(next() * 4)]}${h.slice(17, 20)}-${h.slice(20)}`;
};

// --- format-correct token builders --------------------------------------------------------------
/** GitHub (ghp_, gho_, …) and npm tokens: 30 random base62 characters and their CRC32 in base62. */
const checksummed = (prefix) => {
  const random = tok(ALNUM, 30);
  return `${prefix}${random}${base62(crc32(random), 6)}`;
};
/** JWT with the given payload and a random HMAC-length signature. */
const jwt = (payload, header = { alg: 'HS256', typ: 'JWT' }) =>
  `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${b64url(bytes(32))}`;
/** PyPI API token: `pypi-` + base64url of a v2 macaroon whose location is pypi.org. */
const pypiToken = () => {
  const id = uuid();
  const mac = Buffer.concat([
    Buffer.from([0x02, 0x01, 0x08]), Buffer.from('pypi.org'),
    Buffer.from([0x02, 0x24]), Buffer.from(id), Buffer.from([0x00, 0x02, 0x2a]),
    Buffer.from(`[1,"${id}",null]`.padEnd(42, ' ')), Buffer.from([0x00, 0x00, 0x06, 0x20]), bytes(32),
  ]);
  return `pypi-${b64url(mac)}`;
};
/** Terraform / Vault style: prefix + 8 printable chars per line is too regular; this is a WordPress salt. */
const WP_SALT = ALNUM + '!@#%^&*()-_[]{}<>~+=,.;:/?|';
const sha512Integrity = () => `sha512-${b64(bytes(64))}`;

// --- the values the source refers to as «name» --------------------------------------------------
function makeValues() {
  const v = {};
  // .env (production leak)
  v.pgPass = pw(22, URLPW);
  v.redisPass = tok(ALNUM, 32);
  v.sessionSecret = tok(HEX, 64);
  v.stripeLive = `sk_live_51${tok(ALNUM, 97)}`;
  v.stripePubLive = `pk_live_51${tok(ALNUM, 97)}`;
  v.stripeWebhook = `whsec_${tok(ALNUM, 32)}`;
  v.sendgrid = `SG.${tok(B64URL, 22)}.${tok(B64URL, 43)}`;
  v.stripeTest = `sk_test_51${tok(ALNUM, 97)}`;
  // registries
  v.dockerAuth = b64(`acmeci:${pw(20)}`);
  v.acrIdentityToken = jwt({
    jti: uuid(), sub: '0000000-acme-ci', nbf: 1718000000, exp: 1719209600, iat: 1718000000,
    iss: 'Azure Container Registry', aud: 'acmeorders.azurecr.io', version: '1.0', grant_type: 'refresh_token', tenant: uuid(),
  }, { alg: 'RS256', typ: 'JWT', kid: tok(BASE32, 4) + ':' + tok(BASE32, 4) + ':' + tok(BASE32, 4) });
  v.npmToken = checksummed('npm_');
  v.pypiToken = pypiToken();
  v.mavenPass = pw(18);
  v.ghPatMaven = checksummed('ghp_');
  // PHP, Python, Java, Spring
  v.wpDbPass = pw(16);
  for (const k of ['AuthKey', 'SecureAuthKey', 'LoggedInKey', 'NonceKey', 'AuthSalt', 'SecureAuthSalt', 'LoggedInSalt', 'NonceSalt'])
    v[`wp${k}`] = tok(WP_SALT, 64);
  v.djangoKey = tok(LOWER + DIGITS + '!@#%^&*(-_=+)', 50);
  v.djangoDbPass = pw(20);
  v.springDbPass = pw(20);
  v.springJwtB64 = b64(bytes(48));
  v.yamlDbPass = pw(18);
  v.oktaClientSecret = tok(ALNUM + '-_', 40);
  v.oktaClientId = `0oa${tok(ALNUM, 17)}`;
  // Kubernetes, Terraform
  v.k8sDbPassB64 = b64(pw(24));
  v.k8sUserB64 = b64('checkout_app');
  v.k8sStringDataToken = tok(ALNUM, 40);
  v.sealed1 = `AgB${b64(bytes(380)).replace(/=+$/, '')}`;
  v.sealed2 = `AgC${b64(bytes(380)).replace(/=+$/, '')}`;
  v.awsKeyIdTf = `AKIA${tok(BASE32, 16)}`;
  v.awsSecretTf = tok(ALNUM + '+/', 40);
  v.datadogKey = tok(HEX, 32);
  v.tfDbPass = pw(20);
  v.cloudflareToken = tok(ALNUM + '-_', 40);
  v.sonarToken = `squ_${tok(HEX, 40)}`;
  // code
  v.openaiKey = `sk-proj-${tok(ALNUM + '-_', 74)}T3BlbkFJ${tok(ALNUM + '-_', 74)}`;
  v.jwtSignLiteral = pw(28);
  v.stripeRestricted = `rk_live_51${tok(ALNUM, 97)}`;
  v.mysqlReportPass = pw(18, URLPW);
  v.slackWebhook = `https://hooks.slack.com/services/T${tok(UPPER + DIGITS, 8)}/B${tok(UPPER + DIGITS, 10)}/${tok(ALNUM, 24)}`;
  v.slackBot = `xoxb-${tok(DIGITS, 12)}-${tok(DIGITS, 13)}-${tok(ALNUM, 24)}`;
  v.javaDbPass = pw(16);
  v.twilioSid = `AC${tok(HEX, 32)}`;
  v.twilioToken = tok(HEX, 32);
  v.sendgridRails = `SG.${tok(B64URL, 22)}.${tok(B64URL, 43)}`;
  v.railsDbPass = pw(20);
  v.railsMasterKey = tok(HEX, 32);
  v.railsSecretKeyBase = tok(HEX, 128);
  v.railsCredentialsEnc = `${b64(bytes(420))}--${b64(bytes(12))}--${b64(bytes(16))}`;
  v.adoPass = pw(20);
  v.azureAccountKey = `${b64(bytes(64)).slice(0, 86)}==`;
  v.azureFnAccountKey = `${b64(bytes(64)).slice(0, 86)}==`;
  v.glrt = `glrt-${tok(ALNUM + '_-', 20)}`;
  v.sentryOrgToken = `sntrys_${b64(JSON.stringify({ iat: 1717171717.123456, url: 'https://sentry.io', region_url: 'https://us.sentry.io', org: 'acme-shop' })).replace(/=+$/, '')}_${tok(B64, 43)}`;
  v.herokuKey = uuid();
  v.netrcFtpPass = pw(16);
  v.pgpassPass = pw(22);
  v.ghPatGitCred = checksummed('ghp_');
  v.glpat = `glpat-${tok(ALNUM + '_-', 20)}`;
  v.bcryptHtpasswd = `$2y$10$${tok('./' + ALNUM, 53)}`;
  v.filezillaPassB64 = b64(pw(16));
  v.sftpPass = pw(16);
  v.nextAdminSecret = tok(ALNUM, 32);
  v.supabaseAnon = jwt({ iss: 'supabase', ref: tok(LOWER, 20), role: 'anon', iat: 1700000000, exp: 2015576000 });
  v.composePgPass = pw(20);
  v.awsKeyIdDeploy = `AKIA${tok(BASE32, 16)}`;
  v.awsSecretDeploy = tok(ALNUM + '+/', 40);
  v.curlPass = pw(16);
  v.mysqldumpPass = pw(16);
  v.ansibleSshPass = pw(16);
  v.helmPgPass = pw(20);
  v.tfcToken = `${tok(ALNUM, 14)}.atlasv1.${tok(ALNUM + '_-', 67)}`;
  v.newrelicKey = `${tok(HEX, 36)}NRAL`;
  v.anthropicKey = `sk-ant-api03-${tok(ALNUM + '-_', 93)}AA`;
  v.hfToken = `hf_${tok(UPPER + LOWER, 34)}`;
  v.laravelAppKey = `base64:${b64(bytes(32))}`;
  v.laravelDbPass = pw(18);
  v.encryptionKeyHex = tok(HEX, 64);
  v.ghPatLog = checksummed('ghp_');
  v.gcpKeyId = tok(HEX, 40);
  v.gcpClientId = tok(DIGITS, 21);
  v.apiKeyGeneric = tok(ALNUM, 32);
  v.mongoPass = pw(20, URLPW);
  v.vaultToken = `hvs.${tok(ALNUM + '_-', 90)}`;
  v.rubygemsKey = `rubygems_${tok(HEX, 48)}`;
  v.dbPassPhpArray = pw(18);
  v.smtpPassYaml = pw(18);
  v.bearerInLog = `${tok(ALNUM, 40)}`;
  v.amqpPass = pw(18, URLPW);
  v.cypressKeyRecord = uuid();
  v.jenkinsToken = tok(HEX, 34);
  v.dockerHubPat = `dckr_pat_${tok(ALNUM + '_-', 27)}`;
  // look-alikes (values that must NOT be reported) ---------------------------------------------
  for (let i = 1; i <= 40; i++) v[`uuid${i}`] = uuid();
  for (let i = 1; i <= 40; i++) v[`sha${i}`] = tok(HEX, 40);
  for (let i = 1; i <= 40; i++) v[`integrity${i}`] = sha512Integrity();
  for (let i = 1; i <= 12; i++) v[`sha1Integrity${i}`] = `sha1-${b64(bytes(20))}`;
  for (let i = 1; i <= 20; i++) v[`h1_${i}`] = `h1:${b64(bytes(32))}`;
  for (let i = 1; i <= 20; i++) v[`sha256_${i}`] = tok(HEX, 64);
  for (let i = 1; i <= 8; i++) v[`digest${i}`] = `sha256:${tok(HEX, 64)}`;
  for (let i = 1; i <= 8; i++) v[`hash8_${i}`] = tok(HEX, 8);
  for (let i = 1; i <= 8; i++) v[`hash20_${i}`] = tok(HEX, 20);
  v.cspNonce = b64(bytes(16));
  v.sri1 = `sha384-${b64(bytes(48))}`;
  v.sri2 = `sha384-${b64(bytes(48))}`;
  v.cspHash = `sha256-${b64(bytes(32))}`;
  v.pngDataUri = `data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9h${b64(bytes(420))}`;
  v.pngDataUri2 = `data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0${b64(bytes(610))}`;
  v.woffDataUri = `data:font/woff2;base64,d09GMgABAAAAA${b64(bytes(900))}`;
  v.gifDataUri = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
  v.ansibleVault = Array.from({ length: 8 }, () => tok(HEX, 80)).join('\n          ');
  v.sopsData1 = `ENC[AES256_GCM,data:${b64(bytes(18))},iv:${b64(bytes(32))},tag:${b64(bytes(16))},type:str]`;
  v.sopsData2 = `ENC[AES256_GCM,data:${b64(bytes(30))},iv:${b64(bytes(32))},tag:${b64(bytes(16))},type:str]`;
  v.sopsMac = `ENC[AES256_GCM,data:${b64(bytes(64))},iv:${b64(bytes(32))},tag:${b64(bytes(16))},type:str]`;
  v.sopsAgeRecipient = `age1${tok('qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}`;
  v.sopsAgeEnc = Array.from({ length: 5 }, () => b64(bytes(48))).join('\n            ');
  v.stripePubTest = `pk_test_51${tok(ALNUM, 97)}`;
  v.minifiedChunkMap = Array.from({ length: 6 }, (_, i) => `${100 + i * 37}:"${tok(HEX, 20)}"`).join(',');
  v.etag = `W/"${tok(HEX, 8)}-${tok(B64URL, 27)}"`;
  v.requestId = `req_${tok(ALNUM, 14)}`;
  v.gaId = `G-${tok(UPPER + DIGITS, 10)}`;
  v.codecovBadge = tok(UPPER + DIGITS, 10);
  v.amiId = `ami-${tok(HEX, 17)}`;
  v.sgId = `sg-${tok(HEX, 17)}`;
  v.subnetId = `subnet-${tok(HEX, 17)}`;
  v.kmsArn = `arn:aws:kms:eu-west-1:${tok(DIGITS, 12)}:key/${uuid()}`;
  v.accountId = tok(DIGITS, 12);
  v.pkceVerifier = tok(ALNUM + '-._~', 64);
  v.base62Alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  v.cargoChecksum = tok(HEX, 64);
  v.cargoChecksum2 = tok(HEX, 64);
  v.poetryHash1 = `sha256:${tok(HEX, 64)}`;
  v.poetryHash2 = `sha256:${tok(HEX, 64)}`;
  v.composerRef = tok(HEX, 40);
  v.composerShasum = tok(HEX, 40);
  v.webpackHash = tok(HEX, 20);
  v.sourceMapName = `main.${tok(HEX, 8)}.js.map`;
  v.gpgKeyId = `0x${tok(UPPER.slice(0, 6) + DIGITS, 16)}`;
  v.csrfMeta = tok(B64URL, 43);
  // added later: appended so that the values above keep their bytes
  v.pusherAppKey = tok(HEX, 20);
  v.pusherAppSecret = tok(HEX, 20);
  v.algoliaAdminKey = tok(HEX, 32);
  v.algoliaSearchKey = tok(HEX, 32);
  v.geocoderKey = tok(HEX, 24);
  // Added after the rest, so the values above keep their place in the PRNG sequence.
  v.fraudApiToken = tok(ALNUM, 32);
  v.awsKeyIdReport = `AKIA${tok(BASE32, 16)}`;
  v.awsSecretReport = tok(ALNUM + '+/', 40);
  v.databricksToken = `dapi${tok(HEX, 32)}`;
  v.twilioSidNb = `AC${tok(HEX, 32)}`;
  v.twilioTokenNb = tok(HEX, 32);
  v.inventoryBearer = tok(ALNUM + '-_', 40);
  v.pricingApiKey = tok(ALNUM, 32);
  return v;
}

// --- parse the source, fill values, collect labels ----------------------------------------------
const MARKERS = /(?:[ \t]*⟪[^⟫]*⟫)+[ \t]*$/;

export function build() {
  const v = makeValues();
  const src = fs.readFileSync(SOURCE, 'utf8');
  const files = new Map();
  const labels = [];
  let current;
  let lines = [];
  const flush = () => {
    if (current === undefined) return;
    // A file's text ends with exactly one newline; blank lines before the next header are separators.
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    files.set(current, lines.join('\n') + '\n');
  };
  for (const raw of src.split('\n')) {
    const h = /^=== (.+) ===$/.exec(raw);
    if (h) {
      flush();
      current = h[1].trim();
      if (files.has(current)) throw new Error(`source.txt: ${current} appears twice`);
      lines = [];
      continue;
    }
    if (current === undefined) continue; // preamble: comments about the source
    let line = raw;
    const m = MARKERS.exec(line);
    if (m) {
      line = line.slice(0, m.index);
      for (const mk of m[0].matchAll(/⟪([^⟫]*)⟫/g)) {
        const ids = mk[1].split(',').map((s) => s.trim()).filter(Boolean);
        if (!ids.length) throw new Error(`source.txt: empty marker in ${current}`);
        labels.push({ path: current, line: lines.length + 1, ruleId: ids.length === 1 ? ids[0] : ids });
      }
    }
    line = line.replace(/«(\w+)»/g, (_, name) => {
      if (!(name in v)) throw new Error(`source.txt: unknown value «${name}» in ${current}`);
      return v[name];
    });
    // A value may span lines (PEM bodies, vault blocks): its extra lines shift the labels below.
    lines.push(...line.split('\n'));
  }
  flush();
  return { files, labels };
}

function main() {
  const check = process.argv.includes('--check');
  const { files, labels } = build();
  const labelsText = JSON.stringify({ generatedBy: 'scripts/gen-precision-fixture.mjs from fixtures/precision/source.txt', labels }, null, 1) + '\n';
  const stale = [];
  const existing = fs.existsSync(REPO) ? (fs.readdirSync(REPO, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(REPO, path.join(d.parentPath ?? d.path, d.name)).split(path.sep).join('/'))) : [];
  for (const f of existing) if (!files.has(f)) stale.push(`extra ${f}`);
  for (const [f, text] of files) {
    const abs = path.join(REPO, f);
    if (!fs.existsSync(abs) || fs.readFileSync(abs, 'utf8') !== text) stale.push(`differs ${f}`);
  }
  if (!fs.existsSync(LABELS) || fs.readFileSync(LABELS, 'utf8') !== labelsText) stale.push('differs labels.json');
  if (check) {
    if (stale.length) {
      console.log(`precision fixture is stale:\n  ${stale.join('\n  ')}\nrun: node scripts/gen-precision-fixture.mjs`);
      process.exit(1);
    }
    console.log(`precision fixture up to date: ${files.size} files, ${labels.length} labels`);
    return;
  }
  for (const f of existing) if (!files.has(f)) fs.rmSync(path.join(REPO, f));
  for (const [f, text] of files) {
    const abs = path.join(REPO, f);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
  }
  fs.writeFileSync(LABELS, labelsText);
  console.log(`wrote ${files.size} files and ${labels.length} labels to ${path.relative(ROOT, FIX)}/`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
