'use strict';
/**
 * Preloaded into the CLI (`NODE_OPTIONS=--require …/no-network.cjs`) by test/no-leak.test.ts: every
 * way Node opens a connection or resolves a name is replaced by one that appends a line to
 * $SG_NET_LOG and throws. The test asserts the log stays empty: spillguard talks to no network.
 */
const fs = require('node:fs');

const LOG = process.env.SG_NET_LOG;
function record(what) {
  const line = `${process.pid} ${what}\n`;
  try {
    if (LOG) fs.appendFileSync(LOG, line);
  } catch {
    /* the assertion will notice a missing log line as little as a present one: keep going */
  }
  const e = new Error(`network access blocked in tests: ${what}`);
  e.code = 'ESPILLGUARDNONET';
  throw e;
}

const net = require('node:net');
const origConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  // stdio pipes and IPC are wrapped handles, never connect(): anything arriving here dials out.
  const a = args[0];
  const where = typeof a === 'object' && a !== null ? a.path ?? `${a.host ?? ''}:${a.port ?? ''}` : String(a);
  record(`net.Socket.connect ${where}`);
  return origConnect.apply(this, args);
};
for (const name of ['connect', 'createConnection']) net[name] = (...args) => record(`net.${name} ${JSON.stringify(args[0])}`);

const tls = require('node:tls');
tls.connect = (...args) => record(`tls.connect ${JSON.stringify(args[0])}`);

for (const mod of ['node:http', 'node:https', 'node:http2']) {
  const m = require(mod);
  for (const name of ['request', 'get', 'connect']) if (typeof m[name] === 'function') m[name] = (...args) => record(`${mod}.${name} ${String(args[0]?.href ?? args[0]?.host ?? args[0])}`);
}

const dns = require('node:dns');
for (const name of Object.keys(dns)) {
  if (/^(lookup|lookupService|resolve\w*|reverse)$/.test(name)) dns[name] = (...args) => record(`dns.${name} ${String(args[0])}`);
}
for (const name of Object.keys(dns.promises)) {
  if (/^(lookup|lookupService|resolve\w*|reverse)$/.test(name)) dns.promises[name] = async (...args) => record(`dns.promises.${name} ${String(args[0])}`);
}
if (dns.Resolver) {
  for (const name of Object.getOwnPropertyNames(dns.Resolver.prototype)) {
    if (/^(resolve\w*|reverse)$/.test(name)) dns.Resolver.prototype[name] = function blocked(host) {
      return record(`dns.Resolver.${name} ${String(host)}`);
    };
  }
}

if (typeof globalThis.fetch === 'function') globalThis.fetch = async (input) => record(`fetch ${String(input?.url ?? input)}`);
if (typeof globalThis.WebSocket === 'function') globalThis.WebSocket = function WebSocket(url) {
  record(`WebSocket ${String(url)}`);
};
