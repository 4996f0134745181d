#!/usr/bin/env node
/**
 * Generates the benchmark corpus in .bench/corpus: about 100 MiB of source files (JS, TS, Python,
 * Go, Java, C#), YAML/JSON/TOML/.env configs, lockfiles, logs, minified bundles with multi-MB
 * single lines, source maps and markdown, full of look-alikes that are not secrets (UUIDs, git
 * SHAs, base64 blobs, lockfile integrity hashes, env references, placeholders), with secrets
 * planted at known (file, line, column). The expected list goes to .bench/planted.json.
 *
 * Reproducible: every byte comes from mulberry32 seeded with the seed (content: per file, from the
 * seed and the path; plants: one stream from the seed). The rule packs decide which secrets can be
 * planted (each rule's first examples.match entry, plus fresh values in well-known formats bound to
 * the rule that claims them), so a rule-pack change regenerates the corpus: the manifest records the
 * version, seed, size and a digest of what was taken from the packs, and nothing is regenerated
 * while those are the same.
 *
 * Every plant is checked in place against its rule's regex (with its real neighbours), so a miss
 * is the engine's (prefilter, windows, chunk boundaries, columns, filters), never the corpus'.
 *
 *   node bench/corpus.mjs [--force] [--seed N] [--size MiB]
 */
// One checksum implementation: the validator's (the build runs first).
import { base62, crc32 } from '../dist/engine/validators.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BENCH_DIR, CORPUS_DIR, MANIFEST_FILE, PLANTED_FILE, Rng, codePoints, hash32, readRulePacks, shannonEntropy,
} from './lib.mjs';

export const CORPUS_VERSION = 7;
export const DEFAULT_SEED = 0x5eed5;
export const DEFAULT_SIZE_MIB = 100;
/** The engine's chunk size (src/sources/chunker.ts DEFAULT_CHUNK_SIZE): plants straddle its multiples. */
const CHUNK = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Alphabets and value makers.

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
const ALNUM = DIGITS + UPPER + LOWER;
const B64 = UPPER + LOWER + DIGITS + '+/';
const B64URL = UPPER + LOWER + DIGITS + '-_';
const AWS32 = UPPER + '234567';

const uuid = (r) => `${r.str(HEX, 8)}-${r.str(HEX, 4)}-4${r.str(HEX, 3)}-${r.pick('89ab')}${r.str(HEX, 3)}-${r.str(HEX, 12)}`;
const sha1 = (r) => r.str(HEX, 40);
const sha256 = (r) => r.str(HEX, 64);
const b64 = (r, bytes) => {
  const n = Math.ceil(bytes / 3) * 4;
  let s = r.str(B64, n - (bytes % 3 === 0 ? 0 : 3 - (bytes % 3)));
  while (s.length % 4) s += '=';
  return s;
};
const randBytes = (r, n) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
};

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** GitHub / npm token: prefix + 30 random base62 + base62(CRC32(random)) in 6. */
const checksummed = (r, prefix) => {
  const body = r.str(ALNUM, 30);
  return prefix + body + base62(crc32(body), 6);
};
const pemBody = (buf, width) => buf.toString('base64').match(new RegExp(`.{1,${width}}`, 'g')).join('\n');

// ---------------------------------------------------------------------------------------------
// Vocabulary: identifiers as real code has them, including the words rule keywords are made of
// (token, secret, key, auth, check, hec…), so that the prefilter sees realistic hit rates.

const WORDS = (
  'user account order payment invoice customer session token auth client server request response handler service ' +
  'config cache queue event message channel stream buffer file path image upload download report metric trace span ' +
  'log logger error retry timeout limit rate window page item list map set index count total value key name label ' +
  'tag status state store model schema field column table row record query filter sort search result node tree graph ' +
  'edge route router view component props hook context provider theme style layout button input form modal dialog ' +
  'toast menu header footer sidebar nav link url host port domain email phone address city country region zone ' +
  'cluster pod container volume secret credential password hash salt cipher signature certificate public private ' +
  'access refresh scope role permission policy group team org project workspace repo branch commit build deploy ' +
  'release version feature flag toggle experiment check checkout cart product price discount coupon shipping tax ' +
  'currency amount balance transfer webhook callback notify notification subscriber publisher worker job task ' +
  'schedule cron batch chunk parse format encode decode serialize validate transform normalize merge split join load ' +
  'save fetch send receive create update delete remove insert upsert get put post patch sync init setup start stop ' +
  'open close read write flush reset clear apply resolve reject handle process render mount connect api sdk http grpc ' +
  'json xml yaml csv pdf html css db sql redis mongo kafka bucket lambda function runtime env local staging ' +
  'production dev test mock stub fixture spec assert expect payload header body cookie origin proxy gateway ingress ' +
  'tenant invite member admin owner viewer editor draft publish archive export import backup restore snapshot ' +
  'migration seed health ready alive probe shard replica leader follower vote lease lock mutex pool conn cursor'
).split(' ');
const PROVIDERS = 'github gitlab slack stripe twilio sentry datadog discord telegram openai aws azure gcp google npm docker okta auth0 mailgun sendgrid pagerduty grafana splunk newrelic honeycomb rollbar'.split(' ');
const EN = (
  'the a to of and in is for this that we it when if not be with on as by from should will can must only all each ' +
  'before after then return use used make sure note why because otherwise keep so never always first last next ' +
  'again once here there more less than until while still also just already every any no some new old same other'
).split(' ');
const UNICODE_BITS = ['Zurück', 'café', 'naïve', 'Größe', '日本語', 'データ', 'Привет', 'مرحبا', 'ñandú', '🚀', '🔑', '✅', '😀', '“quoted”', '—'];
const TLDS = ['com', 'io', 'dev', 'net', 'org', 'internal'];

function word(r) {
  return r.chance(0.03) ? r.pick(PROVIDERS) : r.pick(WORDS);
}
function camel(r, n = r.range(1, 3)) {
  let s = word(r);
  for (let i = 1; i < n; i++) {
    const w = word(r);
    s += w[0].toUpperCase() + w.slice(1);
  }
  return s;
}
const pascal = (r, n) => {
  const c = camel(r, n);
  return c[0].toUpperCase() + c.slice(1);
};
const snake = (r, n = r.range(1, 3)) => Array.from({ length: n }, () => word(r)).join('_');
const screaming = (r, n = r.range(2, 3)) => snake(r, n).toUpperCase();
const kebab = (r, n = r.range(1, 3)) => Array.from({ length: n }, () => word(r)).join('-');
function sentence(r, min = 4, max = 12) {
  const n = r.range(min, max);
  const out = [];
  for (let i = 0; i < n; i++) out.push(r.chance(0.45) ? r.pick(EN) : word(r));
  return out.join(' ');
}
const host = (r) => `${kebab(r, r.range(1, 2))}.${word(r)}.${r.pick(TLDS)}`;
const ts = (r) =>
  `2024-${String(r.range(1, 12)).padStart(2, '0')}-${String(r.range(1, 28)).padStart(2, '0')}T${String(r.range(0, 23)).padStart(2, '0')}:${String(r.range(0, 59)).padStart(2, '0')}:${String(r.range(0, 59)).padStart(2, '0')}.${String(r.range(0, 999)).padStart(3, '0')}Z`;
const semver = (r) => `${r.range(0, 12)}.${r.range(0, 30)}.${r.range(0, 40)}`;

// ---------------------------------------------------------------------------------------------
// Look-alikes: values with the shape of secrets in contexts where they are not secrets.

function lookAlikeJs(r, ind) {
  switch (r.int(11)) {
    case 0: return `${ind}const ${camel(r, 1)}Id = '${uuid(r)}';`;
    case 1: return `${ind}// fixed in ${sha1(r)} (see #${r.range(10, 9999)})`;
    case 2: return `${ind}const checksum = '${sha256(r)}';`;
    case 3: return `${ind}const ${camel(r)} = process.env.${screaming(r)};`;
    case 4: return `${ind}headers: { Authorization: \`Bearer \${${camel(r)}}\` },`;
    case 5: return `${ind}const etag = 'W/"${r.str(HEX, 8)}-${r.str(HEX, 27)}"';`;
    case 6: return `${ind}const placeholder = 'data:image/png;base64,${b64(r, r.range(60, 900))}';`;
    case 7: return `${ind}const apiKey = config.get('${snake(r)}.api_key');`;
    case 8: return `${ind}const commitSha = '${sha1(r)}';`;
    case 9: return `${ind}expect(${camel(r)}).toMatch(/^[0-9a-f]{${r.pick([32, 40, 64])}}$/);`;
    default: return `${ind}const traceId = '${r.str(HEX, 32)}';`;
  }
}

// ---------------------------------------------------------------------------------------------
// File generators: each returns an array of lines (no terminators) of about `target` chars.

function fill(r, target, first, next) {
  const lines = first ? [...first] : [];
  let size = lines.reduce((s, l) => s + l.length + 1, 0);
  while (size < target) {
    for (const l of next()) {
      lines.push(l);
      size += l.length + 1;
    }
  }
  return lines;
}

function jsExpr(r) {
  switch (r.int(8)) {
    case 0: return `${camel(r)}(${camel(r, 1)}, ${camel(r, 1)})`;
    case 1: return `${camel(r, 1)}.${camel(r)}`;
    case 2: return `await ${camel(r, 1)}.${camel(r)}(${camel(r, 1)})`;
    case 3: return `'${sentence(r, 1, 4)}'`;
    case 4: return `new ${pascal(r)}({ ${camel(r, 1)}, ${camel(r, 1)}: ${r.range(0, 5000)} })`;
    case 5: return `${camel(r)} ?? ${r.pick(['null', 'undefined', '0', "''", '[]'])}`;
    case 6: return `[${camel(r, 1)}, ${camel(r, 1)}].filter(Boolean)`;
    default: return String(r.range(0, 100000));
  }
}

function jsFile(r, target, ts) {
  const imports = Array.from({ length: r.range(2, 8) }, () =>
    r.chance(0.5)
      ? `import { ${camel(r)}, ${camel(r)} } from '${r.chance(0.5) ? '.' : '..'}/${kebab(r)}${ts ? '' : '.js'}';`
      : `import ${camel(r, 1)} from '${r.chance(0.1) ? '@' + r.pick(PROVIDERS) + '/' : ''}${kebab(r, 1)}';`,
  );
  return fill(r, target, [...imports, ''], () => {
    const out = [];
    if (ts && r.chance(0.3)) {
      out.push(`export interface ${pascal(r)} {`);
      for (let i = r.range(2, 7); i > 0; i--) out.push(`  ${camel(r)}${r.chance(0.3) ? '?' : ''}: ${r.pick(['string', 'number', 'boolean', pascal(r, 1), 'string[]'])};`);
      out.push('}', '');
    }
    if (r.chance(0.3)) out.push('/**', ` * ${sentence(r)}.`, ` * ${sentence(r)}.`, ' */');
    const args = Array.from({ length: r.range(0, 3) }, () => (ts ? `${camel(r, 1)}: ${r.pick(['string', 'number', pascal(r, 1)])}` : camel(r, 1)));
    out.push(`export ${r.chance(0.4) ? 'async ' : ''}function ${camel(r)}(${args.join(', ')})${ts ? `: ${pascal(r, 1)}` : ''} {`);
    for (let i = r.range(3, 16); i > 0; i--) {
      switch (r.int(9)) {
        case 0: out.push(`  const ${camel(r)} = ${jsExpr(r)};`); break;
        case 1: out.push(`  if (!${camel(r)}) throw new Error('${sentence(r)}');`); break;
        case 2: out.push(`  // ${sentence(r)}`); break;
        case 3: out.push(`  ${camel(r, 1)}.${camel(r)}(${camel(r, 1)}, ${jsExpr(r)});`); break;
        case 4: out.push(`  logger.${r.pick(['info', 'debug', 'warn', 'error'])}('${sentence(r)}', { ${camel(r)}, ${camel(r)} });`); break;
        case 5: out.push(`  for (const ${camel(r, 1)} of ${camel(r)}) ${camel(r, 1)}.${camel(r, 1)}(${camel(r, 1)});`); break;
        case 6: out.push(lookAlikeJs(r, '  ')); break;
        case 7: out.push(`  let ${camel(r)} = ${r.chance(0.5) ? r.range(0, 999) : `'${kebab(r)}'`};`); break;
        default: out.push(`  return ${jsExpr(r)};`);
      }
    }
    out.push('}', '');
    return out;
  });
}

function pyFile(r, target) {
  const first = [
    `"""${sentence(r)}."""`,
    ...Array.from({ length: r.range(2, 6) }, () => (r.chance(0.5) ? `import ${word(r)}` : `from ${word(r)}.${word(r)} import ${pascal(r)}, ${snake(r)}`)),
    '',
  ];
  return fill(r, target, first, () => {
    const out = [];
    const inClass = r.chance(0.3);
    const ind = inClass ? '    ' : '';
    if (inClass) out.push(`class ${pascal(r)}(${pascal(r, 1)}):`, `    """${sentence(r)}."""`, '');
    out.push(`${ind}def ${snake(r)}(${inClass ? 'self, ' : ''}${snake(r, 1)}, ${snake(r, 1)}=None):`);
    const b = ind + '    ';
    for (let i = r.range(3, 14); i > 0; i--) {
      switch (r.int(8)) {
        case 0: out.push(`${b}${snake(r)} = ${snake(r, 1)}.${snake(r)}(${snake(r, 1)})`); break;
        case 1: out.push(`${b}if not ${snake(r)}:`, `${b}    raise ValueError("${sentence(r)}")`); break;
        case 2: out.push(`${b}# ${sentence(r)}`); break;
        case 3: out.push(`${b}logger.info("${sentence(r)} %s", ${snake(r, 1)})`); break;
        case 4: out.push(`${b}${snake(r, 1)}_id = "${uuid(r)}"`); break;
        case 5: out.push(`${b}${snake(r)} = os.environ.get("${screaming(r)}", "")`); break;
        case 6: out.push(`${b}digest = hashlib.sha256(${snake(r, 1)}).hexdigest()  # e.g. ${sha256(r)}`); break;
        default: out.push(`${b}return {"${snake(r, 1)}": ${snake(r, 1)}, "count": ${r.range(0, 500)}}`);
      }
    }
    out.push('');
    return out;
  });
}

function goFile(r, target) {
  const first = ['package ' + word(r), '', 'import (', ...['context', 'fmt', 'net/http', 'os', 'time', 'errors'].filter(() => r.chance(0.6)).map((p) => `\t"${p}"`), ')', ''];
  return fill(r, target, first, () => {
    const recv = pascal(r);
    const out = [`// ${pascal(r)} ${sentence(r)}.`, `func (${recv[0].toLowerCase()} *${recv}) ${pascal(r)}(ctx context.Context, ${camel(r, 1)} string) (*${pascal(r, 1)}, error) {`];
    for (let i = r.range(3, 12); i > 0; i--) {
      switch (r.int(7)) {
        case 0: out.push(`\t${camel(r)}, err := ${camel(r, 1)}.${pascal(r)}(ctx, ${camel(r, 1)})`, '\tif err != nil {', `\t\treturn nil, fmt.Errorf("${sentence(r, 2, 6)}: %w", err)`, '\t}'); break;
        case 1: out.push(`\t// ${sentence(r)}`); break;
        case 2: out.push(`\tconst ${camel(r, 1)}ID = "${uuid(r)}"`); break;
        case 3: out.push(`\t${camel(r)} := os.Getenv("${screaming(r)}")`); break;
        case 4: out.push(`\tlog.Printf("${sentence(r)}: %v", ${camel(r, 1)})`); break;
        case 5: out.push(`\tif ${camel(r, 1)} == nil {`, `\t\treturn nil, errors.New("${sentence(r, 2, 6)}")`, '\t}'); break;
        default: out.push(`\t${camel(r, 1)}.${pascal(r)} = time.Duration(${r.range(1, 900)}) * time.Second`);
      }
    }
    out.push('\treturn nil, nil', '}', '');
    return out;
  });
}

function javaFile(r, target, cs) {
  const first = cs
    ? [`using System;`, `using System.Collections.Generic;`, '', `namespace ${pascal(r, 1)}.${pascal(r, 1)}`, '{', `    public class ${pascal(r)}`, '    {']
    : [`package com.${word(r)}.${word(r)};`, '', 'import java.util.List;', 'import java.util.Map;', `import com.${word(r)}.${pascal(r)};`, '', `public class ${pascal(r)} {`, `    private static final Logger LOG = LoggerFactory.getLogger(${pascal(r, 1)}.class);`, ''];
  const lines = fill(r, target, first, () => {
    const out = [`    public ${pascal(r, 1)} ${cs ? pascal(r) : camel(r)}(${pascal(r, 1)} ${camel(r, 1)}, String ${camel(r, 1)})${cs ? '' : ' throws IOException'} {`];
    for (let i = r.range(3, 12); i > 0; i--) {
      switch (r.int(6)) {
        case 0: out.push(`        ${pascal(r, 1)} ${camel(r)} = ${camel(r, 1)}.${cs ? pascal(r) : camel(r)}(${camel(r, 1)});`); break;
        case 1: out.push(`        // ${sentence(r)}`); break;
        case 2: out.push(cs ? `        _logger.LogInformation("${sentence(r)} {Value}", ${camel(r, 1)});` : `        LOG.info("${sentence(r)} {}", ${camel(r, 1)});`); break;
        case 3: out.push(`        String ${camel(r, 1)}Id = "${uuid(r)}";`); break;
        case 4: out.push(`        if (${camel(r, 1)} == null) {`, `            throw new IllegalArgumentException("${sentence(r, 2, 7)}");`, '        }'); break;
        default: out.push(`        ${camel(r, 1)}.${cs ? 'Add' : 'put'}("${snake(r)}", ${r.range(0, 9999)});`);
      }
    }
    out.push(`        return ${camel(r, 1)};`, '    }', '');
    return out;
  });
  lines.push(cs ? '    }' : '}');
  if (cs) lines.push('}');
  return lines;
}

function yamlFile(r, target) {
  return fill(r, target, ['# ' + sentence(r)], () => {
    const name = kebab(r);
    if (r.chance(0.5)) {
      return [
        '---', 'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', `  name: ${name}`, '  labels:', `    app: ${name}`, 'spec:',
        `  replicas: ${r.range(1, 9)}`, '  template:', '    spec:', '      containers:', `        - name: ${name}`,
        `          image: registry.${host(r)}/${name}@sha256:${sha256(r)}`, '          env:',
        ...Array.from({ length: r.range(1, 4) }, () => {
          const v = screaming(r);
          return r.chance(0.5)
            ? [`            - name: ${v}`, '              valueFrom:', '                secretKeyRef:', `                  name: ${name}-secrets`, `                  key: ${snake(r)}`]
            : [`            - name: ${v}`, `              value: "${r.chance(0.5) ? r.range(1, 9999) : kebab(r)}"`];
        }).flat(),
      ];
    }
    return [
      `${snake(r, 1)}:`, `  runs-on: ubuntu-latest`, '  steps:', `    - uses: actions/checkout@${sha1(r)}`,
      `    - name: ${sentence(r, 2, 5)}`, `      run: npm run ${kebab(r, 1)}`, '      env:',
      `        ${screaming(r)}: \${{ secrets.${screaming(r)} }}`, `        GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}`,
    ];
  });
}

function jsonConfig(r, target) {
  const lines = ['{', `  "name": "${kebab(r)}",`, `  "version": "${semver(r)}",`];
  let size = 60;
  while (size < target) {
    const l = r.pick([
      () => `  "${camel(r)}": "${kebab(r)}",`,
      () => `  "${camel(r)}Url": "https://${host(r)}/${kebab(r)}",`,
      () => `  "${camel(r)}Id": "${uuid(r)}",`,
      () => `  "${camel(r)}TimeoutMs": ${r.range(100, 60000)},`,
      () => `  "${camel(r)}Enabled": ${r.chance(0.5)},`,
      () => `  "buildHash": "${sha1(r)}",`,
      () => `  "clientId": "${uuid(r)}",`,
      () => `  "logo": "data:image/svg+xml;base64,${b64(r, r.range(40, 300))}",`,
    ])();
    lines.push(l);
    size += l.length + 1;
  }
  lines.push(`  "done": true`, '}');
  return lines;
}

function envFile(r, target) {
  return fill(r, target, [`# ${sentence(r)}`], () => [
    r.pick([
      () => `${screaming(r)}=${kebab(r)}`,
      () => `${screaming(r)}_URL=https://${host(r)}`,
      () => `${screaming(r)}_API_KEY=your-api-key-here`,
      () => `${screaming(r)}_TOKEN=<replace-me>`,
      () => `${screaming(r)}_SECRET=\${${screaming(r)}}`,
      () => `DATABASE_URL=postgres://user:password@localhost:5432/${snake(r, 1)}`,
      () => `${screaming(r)}_ID=${uuid(r)}`,
      () => `# ${sentence(r)}`,
      () => `${screaming(r)}_PORT=${r.range(1000, 65000)}`,
    ])(),
  ]);
}

function tomlFile(r, target) {
  return fill(r, target, [`# ${sentence(r)}`], () => [
    `[${snake(r, 2)}]`, `name = "${kebab(r)}"`, `enabled = ${r.chance(0.5)}`, `timeout = ${r.range(1, 600)}`, `endpoint = "https://${host(r)}/v${r.range(1, 3)}"`, `id = "${uuid(r)}"`, '',
  ]);
}

function xmlFile(r, target) {
  return fill(r, target, ['<?xml version="1.0" encoding="utf-8"?>', '<Project Sdk="Microsoft.NET.Sdk">', '  <ItemGroup>'], () => [
    `    <PackageReference Include="${pascal(r)}.${pascal(r, 1)}" Version="${semver(r)}" />`,
  ]).concat(['  </ItemGroup>', '</Project>']);
}

function npmLock(r, target) {
  const lines = ['{', `  "name": "${kebab(r)}",`, `  "version": "${semver(r)}",`, '  "lockfileVersion": 3,', '  "requires": true,', '  "packages": {'];
  let size = 120;
  while (size < target) {
    const name = r.chance(0.2) ? `@${word(r)}/${kebab(r)}` : kebab(r);
    const v = semver(r);
    const e = [
      `    "node_modules/${name}": {`, `      "version": "${v}",`,
      `      "resolved": "https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${v}.tgz",`,
      `      "integrity": "sha512-${b64(r, 64)}",`, `      "dev": ${r.chance(0.5)},`, `      "license": "MIT"`, '    },',
    ];
    for (const l of e) {
      lines.push(l);
      size += l.length + 1;
    }
  }
  lines.push('    "": {}', '  }', '}');
  return lines;
}

function yarnLock(r, target) {
  return fill(r, target, ['# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.', '# yarn lockfile v1', ''], () => {
    const name = kebab(r);
    const v = semver(r);
    return [`${name}@^${v}:`, `  version "${v}"`, `  resolved "https://registry.yarnpkg.com/${name}/-/${name}-${v}.tgz#${sha1(r)}"`, `  integrity sha512-${b64(r, 64)}`, ''];
  });
}

function goSum(r, target) {
  return fill(r, target, [], () => {
    const mod = `github.com/${kebab(r, 1)}/${kebab(r)}`;
    const v = `v${semver(r)}`;
    return [`${mod} ${v} h1:${b64(r, 32)}`, `${mod} ${v}/go.mod h1:${b64(r, 32)}`];
  });
}

function poetryLock(r, target) {
  return fill(r, target, [], () => [
    '[[package]]', `name = "${kebab(r)}"`, `version = "${semver(r)}"`, `description = "${sentence(r)}"`, 'optional = false', 'files = [',
    `    {file = "${snake(r)}-${semver(r)}-py3-none-any.whl", hash = "sha256:${sha256(r)}"},`,
    `    {file = "${snake(r)}-${semver(r)}.tar.gz", hash = "sha256:${sha256(r)}"},`, ']', '',
  ]);
}

function logFile(r, target) {
  const svc = kebab(r, 1);
  return fill(r, target, [], () => {
    const t = ts(r);
    switch (r.int(9)) {
      case 0:
      case 1:
      case 2:
        return [`${t} INFO  [${svc}] ${r.pick(['GET', 'POST', 'PUT', 'DELETE'])} /api/v${r.range(1, 3)}/${kebab(r, 1)}/${r.range(1, 99999)} status=${r.pick([200, 200, 201, 204, 304, 400, 404, 500])} duration=${r.range(1, 3000)}ms request_id=${uuid(r)} user_id=${r.range(1, 999999)}`];
      case 3:
        return [JSON.stringify({ ts: t, level: r.pick(['info', 'debug', 'warn']), msg: sentence(r), requestId: uuid(r), traceId: r.str(HEX, 32), spanId: r.str(HEX, 16), durationMs: r.range(0, 5000) })];
      case 4:
        return [`${t} ERROR [${svc}] ${sentence(r)}`, `Error: ${sentence(r)}`, ...Array.from({ length: r.range(3, 9) }, () => `    at ${pascal(r)}.${camel(r)} (/app/src/${kebab(r, 1)}/${kebab(r)}.js:${r.range(1, 900)}:${r.range(1, 80)})`)];
      case 5:
        return [`${t} INFO  [deploy] fetched ${sha1(r)}..${sha1(r)} (${r.range(1, 40)} commits)`];
      case 6:
        return [`${t} DEBUG [${svc}] cache ${r.pick(['hit', 'miss'])} key=${kebab(r)}:${r.str(HEX, 16)} ttl=${r.range(1, 3600)}s`];
      case 7:
        return [`${t} WARN  [${svc}] ${sentence(r)} (attempt ${r.range(1, 5)}/5, retry in ${r.range(1, 30)}s)`];
      default:
        return [`${t} INFO  [auth] token refreshed for client ${uuid(r)} scope="${word(r)}:read ${word(r)}:write" expires_in=3600`];
    }
  });
}

function mdFile(r, target) {
  return fill(r, target, [`# ${pascal(r)} ${sentence(r, 2, 5)}`, ''], () => {
    switch (r.int(7)) {
      case 0: return [`## ${sentence(r, 2, 6)}`, ''];
      case 1:
      case 2: return [`${sentence(r, 10, 30)} ${r.chance(0.3) ? r.pick(UNICODE_BITS) + ' ' : ''}${sentence(r, 5, 20)}.`, ''];
      case 3: return ['```bash', `export ${screaming(r)}_TOKEN=<your-token>`, `npx ${kebab(r, 1)} ${kebab(r, 1)} --${kebab(r, 1)}`, `curl -H "Authorization: Bearer $${screaming(r)}_TOKEN" https://${host(r)}/v1/${kebab(r, 1)}`, '```', ''];
      case 4: return ['| option | default | description |', '| --- | --- | --- |', ...Array.from({ length: r.range(2, 6) }, () => `| \`${camel(r)}\` | \`${r.range(0, 100)}\` | ${sentence(r)} ${r.chance(0.2) ? r.pick(UNICODE_BITS) : ''} |`), ''];
      case 5: return [`- ${sentence(r)} ([#${r.range(1, 4000)}](https://${host(r)}/issues/${r.range(1, 4000)}), ${sha1(r).slice(0, 7)})`];
      default: return [`![${word(r)}](https://img.shields.io/badge/${word(r)}-${word(r)}-green) ${sentence(r, 3, 8)}`, ''];
    }
  });
}

/** A minified bundle: a license comment line, then one line of `target` chars. */
function minifiedLine(r, target) {
  const parts = [];
  let size = 0;
  const id = () => r.str(LOWER, r.range(1, 2)) + (r.chance(0.3) ? r.str(ALNUM, 1) : '');
  while (size < target) {
    let p;
    switch (r.int(12)) {
      case 0: p = `function ${id()}(${id()},${id()}){return ${id()}.${camel(r)}(${id()})}`; break;
      case 1: p = `var ${id()}=${id()}("${kebab(r)}"),${id()}=${r.range(0, 9999)};`; break;
      case 2: p = `${id()}.exports={${camel(r)}:function(){return ${id()}},${camel(r)}:!0};`; break;
      case 3: p = `if(!${id()}.${camel(r)})throw new Error("${sentence(r, 2, 6)}");`; break;
      case 4: p = `${id()}="data:image/png;base64,${b64(r, r.range(100, 3000))}";`; break;
      case 5: p = `${id()}={id:"${uuid(r)}",rev:"${sha1(r)}"};`; break;
      case 6: p = `${id()}.${camel(r)}=${id()}.${camel(r)}||{};`; break;
      case 7: p = `${id()}("${r.pick(UNICODE_BITS)} ${sentence(r, 1, 3)}");`; break;
      case 8: p = `case ${r.range(0, 400)}:return ${id()}(${id()},"${camel(r)}");`; break;
      case 9: p = `${id()}.headers.set("Authorization","Bearer "+${id()}.${camel(r)});`; break;
      case 10: p = `${id()}=[${Array.from({ length: r.range(3, 12) }, () => r.range(0, 255)).join(',')}];`; break;
      default: p = `for(var ${id()}=0;${id()}<${id()}.length;${id()}++)${id()}[${id()}]=${id()}.charCodeAt(${id()});`;
    }
    parts.push(p);
    size += p.length;
  }
  return parts.join('');
}

/** A source map: one JSON line with VLQ mappings and escaped sources. */
function sourceMapLine(r, target) {
  const VLQ = B64;
  const parts = ['{"version":3,"file":"app.min.js","sources":[', Array.from({ length: 40 }, () => `"webpack://app/./src/${kebab(r)}.js"`).join(','), '],"names":[', Array.from({ length: 200 }, () => `"${camel(r)}"`).join(','), '],"mappings":"'];
  let size = parts.reduce((s, p) => s + p.length, 0);
  const mapTarget = target * 0.7;
  while (size < mapTarget) {
    const seg = Array.from({ length: r.range(4, 20) }, () => r.str(VLQ, r.range(4, 8))).join(',') + ';';
    parts.push(seg);
    size += seg.length;
  }
  parts.push('","sourcesContent":[');
  while (size < target) {
    const src = jsFile(r, r.range(2000, 8000), false).join('\\n').replace(/"/g, '\\"');
    parts.push(`"${src}",`);
    size += src.length + 3;
  }
  parts.push('""]}');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------
// The file plan.

const SRC_KINDS = [
  { ext: 'js', gen: (r, t) => jsFile(r, t, false), w: 3 },
  { ext: 'ts', gen: (r, t) => jsFile(r, t, true), w: 3 },
  { ext: 'py', gen: pyFile, w: 2 },
  { ext: 'go', gen: goFile, w: 2 },
  { ext: 'java', gen: (r, t) => javaFile(r, t, false), w: 1 },
  { ext: 'cs', gen: (r, t) => javaFile(r, t, true), w: 1, crlf: true },
];

function sizeLogNormal(r, median, min, max) {
  // Box-Muller from two uniforms; sigma 0.9 gives the long tail of real repositories.
  const u = Math.max(1e-9, r.next());
  const v = r.next();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.round(Math.min(max, Math.max(min, median * Math.exp(0.9 * z))));
}

function planFiles(seed, totalBytes) {
  const r = new Rng(seed ^ 0x9e3779b9);
  const files = [];
  // A fixed set of folders, about a dozen files each, as in real repositories (the walk costs per folder).
  const pool = (n, make) => Array.from({ length: n }, (_, i) => make(i));
  const pkgs = pool(40, (i) => `packages/${kebab(r, 1)}-${i}`);
  const jsDirs = pkgs.flatMap((p) => pool(6, () => `${p}/src/${kebab(r, 1)}`));
  const svcs = pool(30, (i) => `services/${kebab(r, 1)}-${i}`);
  const goDirs = svcs.flatMap((p) => pool(3, () => `${p}/internal/${word(r)}`));
  const cfgDirs = svcs.map((p) => `${p}/config`);
  const pyDirs = pool(10, (i) => `ml/${snake(r, 1)}_${i}`).flatMap((p) => pool(4, () => `${p}/${snake(r, 1)}`));
  const jvDirs = pool(10, (i) => `backend/${pascal(r, 1)}${i}`).flatMap((p) => pool(4, () => `${p}/${pascal(r, 1)}`));
  const docDirs = pool(20, () => `docs/${kebab(r, 1)}`);
  const add = (rel, kind, target, extra = {}) => files.push({ rel, kind, target, plants: [], ...extra });
  const budget = (frac) => Math.round(totalBytes * frac);

  // Minified bundles (multi-MB single lines) and their source maps.
  let left = budget(0.22);
  for (let i = 0; left > 0; i++) {
    const t = i < 5 ? r.range(2_600_000, 5_200_000) : r.range(1_200_000, 2_500_000);
    const name = `${kebab(r, 1)}.${r.str(HEX, 8)}`;
    add(`apps/web/dist/assets/${name}.min.js`, 'minified', t, { crlf: false });
    left -= t;
    if (i < 2) {
      const m = r.range(1_500_000, 2_200_000);
      add(`apps/web/dist/assets/${name}.min.js.map`, 'sourcemap', m);
      left -= m;
    }
  }
  // Logs: several over the 1 MiB chunk size, so they are streamed.
  left = budget(0.2);
  for (let i = 0; left > 0; i++) {
    const t = i % 3 === 0 ? r.range(2_200_000, 4_000_000) : r.range(150_000, 1_500_000);
    add(`logs/${kebab(r, 1)}-${2024}${String(r.range(1, 12)).padStart(2, '0')}${String(r.range(1, 28)).padStart(2, '0')}-${i}.log`, 'log', t);
    left -= t;
  }
  // Lockfiles.
  left = budget(0.07);
  for (let i = 0; left > 0; i++) {
    const k = i % 4;
    const t = r.range(200_000, 1_800_000);
    const dir = pkgs[i % pkgs.length];
    const name = ['package-lock.json', 'yarn.lock', 'go.sum', 'poetry.lock'][k];
    add(`${dir}/${name}`, ['npmlock', 'yarnlock', 'gosum', 'poetrylock'][k], t);
    left -= t;
  }
  // Markdown docs.
  left = budget(0.09);
  for (let i = 0; left > 0; i++) {
    const t = sizeLogNormal(r, 9000, 600, 120_000);
    add(`${r.pick(docDirs)}/${kebab(r)}-${i}.md`, 'md', t);
    left -= t;
  }
  // Configs: YAML, JSON, TOML, .env, csproj (some CRLF).
  left = budget(0.05);
  for (let i = 0; left > 0; i++) {
    const kind = r.pick(['yaml', 'yaml', 'json', 'json', 'toml', 'env', 'xml']);
    const t = sizeLogNormal(r, 2500, 200, 40_000);
    const dir = r.pick(cfgDirs);
    const name =
      kind === 'env' ? `.env.${r.pick(['example', 'sample', 'local', 'staging', 'production'])}` :
      kind === 'xml' ? `${pascal(r)}.csproj` : `${kebab(r)}-${i}.${kind === 'yaml' ? r.pick(['yaml', 'yml']) : kind}`;
    add(`${dir}/${name}`, kind, t, { crlf: kind === 'xml' || r.chance(0.1) });
    left -= t;
  }
  // Source code: the rest.
  left = totalBytes - files.reduce((s, f) => s + f.target, 0);
  const weights = SRC_KINDS.flatMap((k) => Array(k.w).fill(k));
  for (let i = 0; left > 0; i++) {
    const k = r.pick(weights);
    const t = sizeLogNormal(r, 6500, 300, 90_000);
    const dir = r.pick(k.ext === 'go' ? goDirs : k.ext === 'py' ? pyDirs : k.ext === 'java' || k.ext === 'cs' ? jvDirs : jsDirs);
    const base = k.ext === 'java' || k.ext === 'cs' ? pascal(r) : k.ext === 'py' || k.ext === 'go' ? snake(r) : kebab(r);
    add(`${dir}/${base}-${i}.${k.ext}`, 'src', t, { ext: k.ext, crlf: !!k.crlf || r.chance(0.03) });
    left -= t;
  }
  // Unique paths (the random names can collide).
  const seen = new Set();
  return files.filter((f) => (seen.has(f.rel) ? false : (seen.add(f.rel), true)));
}

function generateLines(f, r) {
  switch (f.kind) {
    case 'src': return SRC_KINDS.find((k) => k.ext === f.ext).gen(r, f.target);
    case 'log': return logFile(r, f.target);
    case 'md': return mdFile(r, f.target);
    case 'yaml': return yamlFile(r, f.target);
    case 'json': return jsonConfig(r, f.target);
    case 'toml': return tomlFile(r, f.target);
    case 'env': return envFile(r, f.target);
    case 'xml': return xmlFile(r, f.target);
    case 'npmlock': return npmLock(r, f.target);
    case 'yarnlock': return yarnLock(r, f.target);
    case 'gosum': return goSum(r, f.target);
    case 'poetrylock': return poetryLock(r, f.target);
    default: throw new Error(`no generator for ${f.kind}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Secrets to plant.

/** Well-known formats, made fresh for every plant. `pre` + value (+ `post`); the value is what a rule should report. */
const SYNTHETIC = [
  { name: 'aws-access-key-id', make: (r) => ({ pre: r.pick(['aws_access_key_id = ', 'AWS_ACCESS_KEY_ID=', '"accessKeyId": "']), value: 'AKIA' + r.str(AWS32, 9) + 'EXAMPLE', post: '' }) },
  { name: 'aws-access-key-id-random', make: (r) => ({ pre: r.pick(['aws_access_key_id = ', 'AWS_ACCESS_KEY_ID=']), value: 'AKIA' + r.str(AWS32, 16), post: '' }) },
  { name: 'aws-secret-access-key', make: (r) => ({ pre: r.pick(['aws_secret_access_key = ', 'AWS_SECRET_ACCESS_KEY=']), value: r.str(ALNUM + '/+', 40), post: '' }) },
  { name: 'github-pat', make: (r) => ({ pre: r.pick(['GITHUB_TOKEN=', 'token: ', 'const gh = new Octokit({ auth: "']), value: checksummed(r, 'ghp_'), post: '' }) },
  { name: 'github-oauth', make: (r) => ({ pre: 'oauth_token: ', value: checksummed(r, 'gho_'), post: '' }) },
  { name: 'github-fine-grained-pat', make: (r) => ({ pre: 'GH_PAT=', value: `github_pat_11${r.str(UPPER + DIGITS, 20)}_${r.str(ALNUM, 59)}`, post: '' }) },
  { name: 'npm-token', make: (r) => ({ pre: '//registry.npmjs.org/:_authToken=', value: checksummed(r, 'npm_'), post: '' }) },
  { name: 'gitlab-pat', make: (r) => ({ pre: 'GITLAB_TOKEN=', value: 'glpat-' + r.str(ALNUM + '-_', 20), post: '' }) },
  { name: 'slack-bot-token', make: (r) => ({ pre: 'SLACK_BOT_TOKEN=', value: `xoxb-${r.range(1, 9)}${r.str(DIGITS, 10)}-${r.range(1, 9)}${r.str(DIGITS, 12)}-${r.str(ALNUM, 24)}`, post: '' }) },
  { name: 'slack-webhook-url', make: (r) => ({ pre: 'SLACK_WEBHOOK=', value: `https://hooks.slack.com/services/T${r.str(UPPER + DIGITS, 10)}/B${r.str(UPPER + DIGITS, 10)}/${r.str(ALNUM, 24)}`, post: '' }) },
  { name: 'stripe-live-secret-key', make: (r) => ({ pre: 'STRIPE_SECRET_KEY=', value: 'sk_live_' + r.str(ALNUM, r.range(24, 99)), post: '' }) },
  { name: 'stripe-restricted-key', make: (r) => ({ pre: 'stripe.api_key = "', value: 'rk_live_' + r.str(ALNUM, 24 + r.int(40)), post: '"' }) },
  { name: 'google-api-key', make: (r) => ({ pre: 'GOOGLE_MAPS_KEY=', value: 'AIza' + r.str(ALNUM + '-_', 35), post: '' }) },
  { name: 'sendgrid-api-key', make: (r) => ({ pre: 'SENDGRID_API_KEY=', value: `SG.${r.str(ALNUM + '-_', 22)}.${r.str(ALNUM + '-_', 43)}`, post: '' }) },
  { name: 'twilio-api-key', make: (r) => ({ pre: 'TWILIO_API_KEY=', value: 'SK' + r.str(HEX, 32), post: '' }) },
  { name: 'openai-legacy', make: (r) => ({ pre: 'OPENAI_API_KEY=', value: `sk-${r.str(ALNUM, 20)}T3BlbkFJ${r.str(ALNUM, 20)}`, post: '' }) },
  { name: 'anthropic-api-key', make: (r) => ({ pre: 'ANTHROPIC_API_KEY=', value: `sk-ant-api03-${r.str(ALNUM + '-_', 93)}AA`, post: '' }) },
  { name: 'datadog-api-key', make: (r) => ({ pre: 'DD_API_KEY=', value: r.str(HEX, 32), post: '' }) },
  { name: 'sentry-dsn', make: (r) => ({ pre: 'SENTRY_DSN=', value: `https://${r.str(HEX, 32)}@o${r.str(DIGITS, 6)}.ingest.sentry.io/${r.str(DIGITS, 7)}`, post: '' }) },
  { name: 'discord-webhook', make: (r) => ({ pre: 'DISCORD_WEBHOOK_URL=', value: `https://discord.com/api/webhooks/${r.range(1, 9)}${r.str(DIGITS, 17)}/${r.str(B64URL, 68)}`, post: '' }) },
  { name: 'telegram-bot-token', make: (r) => ({ pre: 'TELEGRAM_BOT_TOKEN=', value: `${r.range(1, 9)}${r.str(DIGITS, 9)}:AA${r.str(B64URL, 33)}`, post: '' }) },
  { name: 'jwt', make: (r) => {
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const value = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: uuid(r), name: camel(r), iat: 1700000000 + r.int(1e7) })}.${r.str(B64URL, 43)}`;
    return { pre: 'Authorization: Bearer ', value, post: '' };
  } },
  { name: 'pypi-token', make: (r) => {
    const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x08]), Buffer.from('pypi.org'), Buffer.from([0x02, 0x25]), randBytes(r, 80)]);
    return { pre: 'password = ', value: 'pypi-' + body.toString('base64url'), post: '' };  // spillguard:allow (the benchmark's generator, not a password)
  } },
  { name: 'postgres-url-password', make: (r) => ({ pre: `DATABASE_URL=postgresql://svc_${word(r)}:`, value: r.str(ALNUM, 18), post: `@db-${r.range(1, 9)}.${host(r)}:5432/${snake(r, 1)}` }) },
  { name: 'generic-password', make: (r) => ({ pre: r.pick(['db_password = "', 'DB_PASSWORD="', '"password": "']), value: r.str(ALNUM, 6) + r.pick(['#', '!', '%', '@']) + r.str(ALNUM, 12), post: '"' }) },
  { name: 'azure-storage-key', make: (r) => ({ pre: `DefaultEndpointsProtocol=https;AccountName=${word(r)}store;AccountKey=`, value: randBytes(r, 64).toString('base64'), post: ';EndpointSuffix=core.windows.net' }) },
  { name: 'rsa-private-key', multiline: true, make: (r) => {
    const der = Buffer.concat([Buffer.from([0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00]), randBytes(r, 1180)]);
    return { pre: '', value: `-----BEGIN RSA PRIVATE KEY-----\n${pemBody(der, 64)}\n-----END RSA PRIVATE KEY-----`, post: '' };
  } },
  { name: 'ec-private-key', multiline: true, make: (r) => {
    const der = Buffer.concat([Buffer.from([0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]), randBytes(r, 112)]);
    return { pre: '', value: `-----BEGIN EC PRIVATE KEY-----\n${pemBody(der, 64)}\n-----END EC PRIVATE KEY-----`, post: '' };
  } },
  { name: 'openssh-private-key', multiline: true, make: (r) => {
    const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), randBytes(r, 380)]);
    return { pre: '', value: `-----BEGIN OPENSSH PRIVATE KEY-----\n${pemBody(body, 70)}\n-----END OPENSSH PRIVATE KEY-----`, post: '' };
  } },
];

/** First match of `rule` in `s` whose secret group starts in [from, to); its absolute secret offset and value. */
function secretIn(rule, s, from, to) {
  const re = rule.re;
  re.lastIndex = 0;
  let m;
  while ((m = re.exec(s)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const g = m[rule.secretGroup];
    const idx = m.indices?.[rule.secretGroup];
    if (g && idx && idx[0] >= from && idx[0] < to) return { at: idx[0], secret: g };
    if (m.index > to) break;
  }
  return undefined;
}

/** Would the engine's own filters (entropy, stopwords, allowlists) drop this secret? Then do not plant it. */
function suppressedBy(rule, global, secret, line) {
  if (rule.entropy !== undefined && shannonEntropy(secret) < rule.entropy) return 'entropy below the rule threshold';
  const low = secret.toLowerCase();
  if (rule.stopwords.some((w) => low.includes(w))) return 'rule stopword';
  if (global.stopwords.some((w) => low.includes(w))) return 'global stopword';
  // 'match' is approximated by the line (a superset), so such a plant is skipped rather than wrongly expected.
  const target = (t) => (t === 'secret' ? secret : line);
  if (rule.allowRegexes.some((re) => re.test(target(rule.allowTarget)))) return 'rule allowlist regex';
  if (global.regexes.some((re) => re.test(target(global.allowTarget)))) return 'global allowlist regex';
  if (/spillguard:allow|gitleaks:allow|pragma: allowlist secret/.test(line)) return 'inline ignore marker';
  return undefined;
}

/**
 * What can be planted: every secret rule's first examples.match entry (where the rule's regex finds
 * its secret in it), and each well-known format claimed by a rule of the packs.
 */
function candidates(packs, seed) {
  const out = [];
  const skipped = [];
  const rules = packs.rules.filter((x) => x.kind === 'secret');
  for (const rule of rules) {
    if (rule.error) {
      skipped.push({ ruleId: rule.id, reason: `regex does not compile here: ${rule.error}` });
      continue;
    }
    const ex = rule.examples[0];
    if (!ex) {
      skipped.push({ ruleId: rule.id, reason: 'no examples.match' });
      continue;
    }
    const hit = secretIn(rule, ex, 0, ex.length);
    if (!hit) {
      skipped.push({ ruleId: rule.id, reason: 'its regex finds no secret in its first example' });
      continue;
    }
    const why = suppressedBy(rule, packs.global, hit.secret, ex);
    if (why) {
      skipped.push({ ruleId: rule.id, reason: `first example suppressed (${why})` });
      continue;
    }
    out.push({ ruleId: rule.id, rule, source: 'example', multiline: ex.includes('\n'), make: () => ({ text: ex, from: hit.at, to: hit.at + 1, len: hit.secret.length }) });
  }
  // Bind each synthetic format to the rule that reports its value, preferring one whose secret is the whole value.
  const r = new Rng(seed ^ 0x51ed);
  for (const syn of SYNTHETIC) {
    const sample = syn.make(r);
    const text = sample.pre + sample.value + sample.post;
    const from = sample.pre.length;
    const to = from + sample.value.length;
    let best;
    for (const rule of rules) {
      if (rule.error) continue;
      const hit = secretIn(rule, text, from, to);
      if (!hit || suppressedBy(rule, packs.global, hit.secret, text)) continue;
      const score = (hit.at === from ? 2 : 0) + (hit.secret === sample.value ? 1 : 0);
      if (!best || score > best.score) best = { rule, score };
    }
    if (!best) {
      skipped.push({ ruleId: `(synthetic ${syn.name})`, reason: 'no rule in the packs reports it' });
      continue;
    }
    out.push({
      ruleId: best.rule.id,
      rule: best.rule,
      source: `synthetic:${syn.name}`,
      multiline: !!syn.multiline,
      make: (rr) => {
        const s = syn.make(rr);
        return { text: s.pre + s.value + s.post, from: s.pre.length, to: s.pre.length + s.value.length, len: s.value.length };
      },
    });
  }
  for (const c of out) {
    const inst = c.make(new Rng(seed));
    c.atStart = inst.from === 0;
    c.atEnd = inst.from + inst.len === inst.text.length;
  }
  return { list: out, skipped };
}

// ---------------------------------------------------------------------------------------------
// Planting.

/** Location types and how many plants each must get (at least), before the rest go to plain bodies. */
const QUOTAS = [
  ['start', 14], ['end-no-newline', 8], ['end-newline', 6], ['minified', 24], ['minified-boundary', 8],
  ['log', 16], ['log-boundary', 4], ['crlf', 12], ['unicode-prefix', 10], ['env', 10], ['markdown', 12],
];
/** File names that path-limited rules look for. */
const SPECIAL_NAMES = [
  'config/master.key', 'config/credentials/production.key', '.npmrc', '.pypirc', '.netrc', '.git-credentials', '.dockercfg',
  '.docker/config.json', 'settings.xml', '.m2/settings.xml', 'credentials', '.aws/credentials', 'id_rsa', '.ssh/id_ed25519',
  'terraform.tfvars', 'application.properties', 'application.yml', 'wp-config.php', 'docker-compose.yml', '.env', 'config.json',
  '.htpasswd', 'pgpass', '.pgpass', 'my.cnf', '.s3cfg', 'rclone.conf', '.boto', 'gradle.properties', '.travis.yml', 'Dockerfile',
];
const MULTILINE_OK = new Set(['start', 'end-no-newline', 'end-newline', 'crlf', 'markdown', 'body', 'env']);

function assignPlants(files, cands, seed, globalPaths, unplaced) {
  const r = new Rng(seed ^ 0xb1a7);
  const plants = [];
  // Every example twice, every synthetic format five times (fresh values), and enough rounds for >= 240 plants.
  const perCand = (c) => (c.source === 'example' ? 2 : 5);
  for (const c of cands) for (let i = 0; i < perCand(c); i++) plants.push({ cand: c });
  while (plants.length < 240 && cands.length) plants.push({ cand: cands[plants.length % cands.length] });
  r.shuffle(plants);

  const quota = new Map(QUOTAS);
  const pools = {
    minified: files.filter((f) => f.kind === 'minified'),
    log: files.filter((f) => f.kind === 'log'),
    logBig: files.filter((f) => f.kind === 'log' && f.target > CHUNK * 1.15),
    crlf: files.filter((f) => f.crlf && f.kind !== 'minified'),
    env: files.filter((f) => f.kind === 'env'),
    md: files.filter((f) => f.kind === 'md'),
    text: files.filter((f) => ['src', 'md', 'yaml', 'json', 'toml', 'env', 'xml'].includes(f.kind)),
    body: files.filter((f) => ['src', 'yaml', 'json', 'toml', 'xml'].includes(f.kind)),
  };
  const usedEdge = new Set();
  // A file the rule may not run on (its `paths`), or that an allowlist exempts, cannot hold its plant.
  const eligible = (f, rule) => {
    const names = [f.rel, `corpus/${f.rel}`];
    if (rule.paths && !rule.paths.some((re) => names.some((n) => re.test(n)))) return false;
    if (rule.allowPaths.some((re) => names.some((n) => re.test(n)))) return false;
    return !globalPaths.some((re) => names.some((n) => re.test(n)));
  };
  let cur;
  const pickFile = (pool, pred = () => true) => {
    const ok = (f) => f && pred(f) && eligible(f, cur.cand.rule);
    for (let i = 0; i < 50; i++) {
      const f = r.pick(pool);
      if (ok(f)) return f;
    }
    return pool.find(ok);
  };
  const boundaryRoom = (f) => Math.floor((f.target - 4000) / CHUNK) > f.plants.filter((q) => q.loc === 'minified-boundary').length;
  for (const p of plants) {
    cur = p;
    let loc = 'body';
    for (const [name, n] of quota) {
      if (n <= 0) continue;
      if (p.cand.multiline && !MULTILINE_OK.has(name)) continue;
      // "At the very start / end": the secret itself is the file's first / last characters.
      if (name === 'start' && !p.cand.atStart) continue;
      if (name === 'end-no-newline' && !p.cand.atEnd) continue;
      loc = name;
      quota.set(name, n - 1);
      break;
    }
    p.loc = loc;
    let f;
    switch (loc) {
      case 'start': f = pickFile(pools.text, (x) => !usedEdge.has(x.rel + ':start')); if (f) usedEdge.add(f.rel + ':start'); break;
      case 'end-no-newline':
      case 'end-newline': f = pickFile(pools.text, (x) => !usedEdge.has(x.rel + ':end')); if (f) usedEdge.add(f.rel + ':end'); break;
      case 'minified': f = pickFile(pools.minified); break;
      case 'minified-boundary': f = pickFile(pools.minified, boundaryRoom); break;
      case 'log': f = pickFile(pools.log); break;
      case 'log-boundary': f = pickFile(pools.logBig, (x) => !x.plants.some((q) => q.loc === 'log-boundary')) ?? pickFile(pools.log); break;
      case 'crlf': f = pickFile(pools.crlf); break;
      case 'env': f = pickFile(pools.env); break;
      case 'markdown':
      case 'unicode-prefix': f = pickFile(pools.md); break;
      default: f = pickFile(pools.body);
    }
    // Nowhere allowed for this location: an ordinary body line anywhere the rule runs.
    if (!f && loc !== 'body') {
      p.loc = 'body';
      f = pickFile(pools.body) ?? pickFile(files.filter((x) => x.kind !== 'minified' && x.kind !== 'sourcemap'));
    }
    // A rule limited to certain paths (e.g. master.key, .npmrc) gets a small file of its own with such a name.
    if (!f && p.cand.rule.paths) {
      for (const name of SPECIAL_NAMES) {
        const rel = `services/special-${files.length}/${name}`;
        const spec = { rel, kind: 'env', target: r.range(100, 600), plants: [], crlf: false };
        if (eligible(spec, p.cand.rule)) {
          files.push(spec);
          pools.body.push(spec);
          f = spec;
          break;
        }
      }
    }
    if (!f) {
      unplaced.push({ ruleId: p.cand.ruleId, reason: 'no file in the corpus where the rule runs (paths / allowlists)' });
      continue;
    }
    f.plants.push(p);
  }
  return plants;
}

/** Checks a plant in place: its rule must report the secret at exactly this offset, neighbours included. */
function verify(cand, inst, before, after) {
  const s = before + inst.text + after;
  const hit = secretIn(cand.rule, s, before.length + inst.from, before.length + inst.to);
  if (!hit) return undefined;
  return { offset: hit.at - before.length, secret: hit.secret };
}

const toCrlf = (inst) => {
  const nlBefore = (inst.text.slice(0, inst.from).match(/\n/g) ?? []).length;
  const nlBeforeTo = (inst.text.slice(0, inst.to).match(/\n/g) ?? []).length;
  return { text: inst.text.replace(/\n/g, '\r\n'), from: inst.from + nlBefore, to: inst.to + nlBeforeTo, len: inst.len };
};

/** Line-based file: inserts each plant as a line of its own (or at the start / end), checking each in place. */
function plantLines(f, lines, r, failures) {
  const entries = lines.map((text) => ({ text }));
  const nl = f.crlf ? '\r\n' : '\n';
  let finalNewline = true;
  for (const p of f.plants) {
    let inst = p.cand.make(r);
    if (f.crlf) inst = toCrlf(inst);
    let done = false;
    for (let attempt = 0; attempt < 6 && !done; attempt++) {
      let idx;
      let prefix = '';
      if (p.loc === 'start') idx = 0;
      else if (p.loc.startsWith('end')) idx = entries.length;
      else idx = 1 + r.int(Math.max(1, entries.length - 1));
      if (p.loc === 'unicode-prefix') prefix = `${r.pick(UNICODE_BITS)} ${r.pick(UNICODE_BITS)} ${word(r)}: `;
      else if (p.loc === 'log' || p.loc === 'log-boundary') prefix = `${ts(r)} DEBUG [config] loaded `;
      else if (p.loc === 'body' && attempt < 3 && f.kind === 'src' && !p.cand.multiline) prefix = ' '.repeat(r.pick([0, 2, 4]));
      if (p.loc === 'log-boundary') {
        // Put the secret across the first chunk boundary: pad the prefix so the secret straddles CHUNK.
        let cum = 0;
        let i = 0;
        while (i < entries.length && cum + entries[i].text.length + nl.length < CHUNK - 300) cum += entries[i++].text.length + nl.length;
        const want = CHUNK - Math.floor(inst.len / 2) - cum - inst.from;
        if (want > prefix.length + 5 && want < 4000) {
          prefix += 'x'.repeat(want - prefix.length - 1) + ' ';
          idx = i;
        } else idx = i;
      }
      // The engine runs a rule on the keyword's line (from its start), so the check does too.
      const ok = verify(p.cand, inst, prefix, '');
      if (!ok) {
        prefix = '';
        continue;
      }
      entries.splice(idx, 0, { text: prefix + inst.text, plant: p, at: prefix.length + ok.offset, secret: ok.secret });
      if (p.loc === 'end-no-newline') finalNewline = false;
      if (p.loc === 'end-newline') finalNewline = true;
      done = true;
    }
    if (!done) failures.push({ ruleId: p.cand.ruleId, loc: p.loc, file: f.rel, reason: 'rule regex does not match in place' });
  }
  // A file with an end plant ends exactly as planted; an end-newline plant must stay last.
  const endPlant = entries.findIndex((e) => e.plant && e.plant.loc.startsWith('end'));
  if (endPlant >= 0 && endPlant !== entries.length - 1) {
    const [e] = entries.splice(endPlant, 1);
    entries.push(e);
  }
  let line = 1;
  let offset = 0;
  const out = [];
  for (const e of entries) {
    if (e.plant) {
      const head = e.text.slice(0, e.at);
      const nls = head.split('\n');
      e.plant.line = line + nls.length - 1;
      e.plant.column = codePoints(nls[nls.length - 1]) + 1;
      e.plant.offset = offset + e.at;
      e.plant.secret = e.secret;
      out.push(e.plant);
    }
    line += (e.text.match(/\n/g) ?? []).length + 1;
    offset += e.text.length + nl.length;
  }
  const text = entries.map((e) => e.text).join(nl) + (finalNewline ? nl : '');
  return { text, planted: out };
}

/** Minified bundle: a comment line, then one giant line with plants inside (some across chunk boundaries). */
function plantMinified(f, r, failures) {
  const header = `/*! For license information please see ${path.basename(f.rel)}.LICENSE.txt */`;
  const body = minifiedLine(r, f.target - header.length - 1);
  const lineStart = header.length + 1;
  // Desired absolute offsets of each secret's first character in the file.
  const wants = [];
  const spread = f.plants.filter((p) => p.loc === 'minified');
  const bounds = f.plants.filter((p) => p.loc === 'minified-boundary');
  const insts = new Map(f.plants.map((p) => [p, p.cand.make(r)]));
  bounds.forEach((p, i) => {
    const b = CHUNK * (1 + i);
    const inst = insts.get(p);
    const len = inst.len;
    // Across the boundary, starting right on it, ending right on it, or the boundary in the keyword before it.
    const shift = [Math.floor(len / 2), 0, len - 1, -Math.min(5, inst.from)][(i + hash32(f.rel)) % 4];
    wants.push({ p, at: b - shift });
  });
  spread.forEach((p) => wants.push({ p, at: lineStart + 200 + r.int(Math.max(1, body.length - 6000)) }));
  wants.sort((a, b) => a.at - b.at);
  const parts = [header, '\n'];
  let built = lineStart; // chars of output so far
  let cursor = 0; // chars of `body` consumed
  let cps = 0; // code points of the giant line so far
  const out = [];
  for (const w of wants) {
    const inst = insts.get(w.p);
    const sep = r.pick([' ', ';', ',']);
    const take = w.at - built - sep.length - inst.from;
    if (take < 64 || cursor + take > body.length) {
      failures.push({ ruleId: w.p.cand.ruleId, loc: w.p.loc, file: f.rel, reason: 'no room at the wanted offset' });
      continue;
    }
    const seg = body.slice(cursor, cursor + take);
    const ok = verify(w.p.cand, inst, seg.slice(-600) + sep, sep + body.slice(cursor + take, cursor + take + 600));
    if (!ok) {
      failures.push({ ruleId: w.p.cand.ruleId, loc: w.p.loc, file: f.rel, reason: 'rule regex does not match in place' });
      continue;
    }
    parts.push(seg, sep, inst.text, sep);
    cps += codePoints(seg) + sep.length;
    w.p.line = 2 + (inst.text.slice(0, ok.offset).match(/\n/g) ?? []).length;
    w.p.column = cps + codePoints(inst.text, 0, ok.offset) + 1;
    w.p.offset = built + take + sep.length + ok.offset;
    w.p.secret = ok.secret;
    out.push(w.p);
    cps += codePoints(inst.text) + sep.length;
    built += take + sep.length * 2 + inst.text.length;
    cursor += take;
  }
  parts.push(body.slice(cursor), `\n//# sourceMappingURL=${path.basename(f.rel)}.map\n`);
  return { text: parts.join(''), planted: out };
}

function rulesDigest(packs, cands) {
  const h = crypto.createHash('sha256');
  // Where a plant may go depends on the rule's paths and allowlisted paths too: a change there moves plants.
  h.update(JSON.stringify(cands.list.map((c) => [c.ruleId, c.source, c.rule.regexRaw, c.rule.examples[0], c.rule.entropy, c.rule.stopwords, c.rule.paths?.map(String), c.rule.allowPaths.map(String)])));
  h.update(JSON.stringify(packs.global.stopwords));
  h.update(JSON.stringify(packs.global.regexes.map(String)));
  return h.digest('hex').slice(0, 16);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Makes sure .bench/corpus matches (version, seed, size, rule packs); regenerates it otherwise.
 * Returns the manifest and the planted list.
 */
export function ensureCorpus({ seed = DEFAULT_SEED, sizeMiB = DEFAULT_SIZE_MIB, force = false, log = console.log } = {}) {
  const packs = readRulePacks();
  const cands = candidates(packs, seed);
  const digest = rulesDigest(packs, cands);
  const want = { version: CORPUS_VERSION, seed, sizeMiB, rulesDigest: digest };
  const have = readJson(MANIFEST_FILE);
  if (!force && have && fs.existsSync(CORPUS_DIR) && fs.existsSync(PLANTED_FILE) && Object.entries(want).every(([k, v]) => have[k] === v)) {
    log(`corpus: up to date (${have.files} files, ${(have.bytes / 1e6).toFixed(1)} MB, ${have.planted} planted; seed ${seed}, rules ${digest})`);
    return { manifest: have, planted: readJson(PLANTED_FILE), regenerated: false };
  }
  const t0 = performance.now();
  log(`corpus: generating ${sizeMiB} MiB in ${path.relative(process.cwd(), CORPUS_DIR) || CORPUS_DIR} (seed ${seed}, ${cands.list.length} plantable rule/format candidates from ${packs.rules.length} rules)`);
  // Built aside and renamed into place, so an interrupted run never leaves a half corpus behind a valid manifest.
  fs.rmSync(MANIFEST_FILE, { force: true });
  const outDir = `${CORPUS_DIR}.tmp-${process.pid}`;
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });

  let files;
  let planted;
  let failures;
  let unplaced;
  let bytes = 0;
  try {
    files = planFiles(seed, sizeMiB * 1024 * 1024);
    unplaced = [];
    assignPlants(files, cands.list, seed, packs.global.paths, unplaced);
    // Plants that pad to a chunk boundary go last in their file, so nothing inserted later shifts them.
    for (const f of files) f.plants.sort((a, b) => (a.loc === 'log-boundary') - (b.loc === 'log-boundary'));
    const plantRng = new Rng(seed ^ 0x7a11);
    failures = [];
    planted = [];
    const dirs = new Set();
    for (const f of files) {
      const r = new Rng((seed ^ hash32(f.rel)) >>> 0);
      let res;
      if (f.kind === 'minified') res = plantMinified(f, r, failures);
      else if (f.kind === 'sourcemap') res = { text: sourceMapLine(r, f.target) + '\n', planted: [] };
      else res = plantLines(f, generateLines(f, r), plantRng, failures);
      const abs = path.join(outDir, f.rel);
      const dir = path.dirname(abs);
      if (!dirs.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        dirs.add(dir);
      }
      const buf = Buffer.from(res.text, 'utf8');
      fs.writeFileSync(abs, buf);
      bytes += buf.length;
      for (const p of res.planted) {
        planted.push({
          ruleId: p.cand.ruleId,
          source: p.cand.source,
          where: p.loc,
          path: f.rel,
          line: p.line,
          column: p.column,
          offset: p.offset,
          length: p.secret.length,
          preview: p.secret.slice(0, 6),
        });
      }
    }
    planted.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.offset - b.offset));
  } catch (e) {
    fs.rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
  const manifest = {
    ...want,
    files: files.length,
    bytes,
    planted: planted.length,
    rulesInPacks: packs.rules.length,
    rulesPlanted: new Set(planted.map((p) => p.ruleId)).size,
    notPlantable: cands.skipped,
    plantFailures: [...unplaced, ...failures],
    packErrors: packs.errors,
  };
  fs.rmSync(CORPUS_DIR, { recursive: true, force: true });
  fs.renameSync(outDir, CORPUS_DIR);
  fs.writeFileSync(PLANTED_FILE, JSON.stringify(planted, null, 1) + '\n');
  fs.writeFileSync(MANIFEST_FILE, JSON.stringify(manifest, null, 2) + '\n');
  log(
    `corpus: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB, ${planted.length} secrets planted for ${manifest.rulesPlanted} rules ` +
      `in ${((performance.now() - t0) / 1000).toFixed(1)} s` +
      (cands.skipped.length ? `; ${cands.skipped.length} rules/formats not plantable (see .bench/manifest.json)` : '') +
      (failures.length ? `; ${failures.length} plants dropped (regex did not match in place)` : ''),
  );
  return { manifest, planted, regenerated: true };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  ensureCorpus({
    force: args.includes('--force'),
    seed: opt('--seed') !== undefined ? Number(opt('--seed')) : Number(process.env.BENCH_SEED ?? DEFAULT_SEED),
    sizeMiB: opt('--size') !== undefined ? Number(opt('--size')) : Number(process.env.BENCH_SIZE_MIB ?? DEFAULT_SIZE_MIB),
  });
}
