/**
 * Archives as a source: .zip (and .jar/.war/.ear/.whl/… which are zips), .tar, .tar.gz/.tgz and .gz,
 * opened recursively up to a depth, entirely in memory: nothing is ever written to disk, so a member
 * named `../../etc/passwd` cannot land anywhere; it is reported and skipped all the same.
 *
 * Zip and tar are read here rather than through a package: the central directory, stored and
 * deflated members (node:zlib) and ustar/pax/GNU tar headers are ~300 lines, and owning them means
 * every size is checked BEFORE anything is inflated. Limits, and why:
 * - total uncompressed bytes per top-level archive (nested ones included) bounds the work;
 * - member count bounds the bookkeeping of a central directory with millions of entries;
 * - compression ratio catches bombs: a zip member declaring 1 GB from 1 MB is refused from its
 *   header, never expanded; inflation is capped at the declared size, so a header that lies stops at
 *   the lie; a gzip stream stops as soon as its output passes ratio × input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

export interface ArchiveLimits {
  /** How deep archives inside archives are opened; the file on disk is depth 1. 0 = not at all. */
  maxDepth: number;
  /** Uncompressed bytes per top-level archive, nested archives included. */
  maxBytes: number;
  /** Members per archive. */
  maxMembers: number;
  /** Uncompressed : compressed size above which a member (over RATIO_FLOOR) is a bomb. */
  maxRatio: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxDepth: 3,
  maxBytes: 256 << 20,
  maxMembers: 20_000,
  maxRatio: 200,
});

/** Below this size a high ratio is harmless (a file of spaces compresses 1000:1) and is not checked. */
export const RATIO_FLOOR = 1 << 20;
/** Tar members up to this size are held whole; larger ones stream through the chunker. */
const BUFFER_MEMBER_MAX = 8 << 20;

export type ArchiveKind = 'zip' | 'tar' | 'tgz' | 'gz';

const ZIP_NAMES = /\.(?:zip|jar|war|ear|whl|egg|apk|aar|nupkg|vsix|xpi)$/i;

/** The archive kind a name announces. */
export function archiveKindOf(name: string): ArchiveKind | undefined {
  if (ZIP_NAMES.test(name)) return 'zip';
  if (/\.(?:tgz|taz|tar\.gz)$/i.test(name)) return 'tgz';
  if (/\.tar$/i.test(name)) return 'tar';
  if (/\.gz$/i.test(name)) return 'gz';
  return undefined;
}

/** Whether the first bytes agree with the name: a `.zip` that is not a zip is scanned as a file. */
export function sniffArchive(head: Uint8Array, kind: ArchiveKind): boolean {
  if (kind === 'zip') return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && [3, 5, 7].includes(head[2]) && head[3] === head[2] + 1;
  if (kind === 'tar') return isTarHeader(head);
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

export type MemberContent = Buffer | AsyncIterable<Buffer>;

/**
 * What reading an archive yields. `member` is the path inside the top-level archive, nested ones
 * joined by `!` (`b.tgz!package/c.js`); '' names the top-level archive itself.
 */
export type ArchiveEvent =
  | { type: 'member'; member: string; content: MemberContent }
  | { type: 'skipped'; member: string; reason: string }
  | { type: 'error'; member: string; message: string };

export type ArchiveInput = { abs: string; size: number } | { data: Buffer };

/** A limit was hit: the archive (or the rest of it) is skipped with this message, not an error. */
export class ArchiveLimitError extends Error {}

interface Ctx {
  limits: ArchiveLimits;
  /** Uncompressed bytes produced so far under this top-level archive. */
  used: number;
}

/**
 * Members of an archive, recursively. Never throws for what is in the archive: corrupt data is an
 * `error` event, a limit a `skipped` event naming the limit. Consume each member's content before
 * asking for the next event (streamed tar members are read in place).
 */
export async function* readArchive(input: ArchiveInput, kind: ArchiveKind, name: string, limits: ArchiveLimits): AsyncGenerator<ArchiveEvent> {
  yield* walk({ limits, used: 0 }, input, kind, name, '', 1);
}

/** Sizes in messages: 1 GiB, 2.5 MiB, 48.2 KiB, 1000 bytes. */
export function fmtBytes(n: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (n >= size) return `${(n / size).toFixed(n % size ? 1 : 0)} ${unit}`;
  }
  return `${n} bytes`;
}

async function* walk(ctx: Ctx, input: ArchiveInput, kind: ArchiveKind, name: string, prefix: string, depth: number): AsyncGenerator<ArchiveEvent> {
  const self = prefix.slice(0, -1);
  const state: StreamState = {};
  try {
    if (kind === 'zip') yield* walkZip(ctx, input, prefix, depth);
    else if (kind === 'tar') {
      const reader = new ByteReader(streamOf(input), state);
      try {
        yield* walkTar(ctx, reader, prefix, depth, true);
      } finally {
        await reader.close();
      }
    } else yield* walkGzip(ctx, input, kind, name, prefix, depth, state);
    if (state.failure) throw state.failure;
  } catch (e) {
    const err = state.failure ?? e;
    if (err instanceof ArchiveLimitError) yield { type: 'skipped', member: self, reason: err.message };
    else yield { type: 'error', member: self, message: `cannot read ${kind === 'tgz' ? 'tar.gz' : kind} archive: ${reason(err)}` };
  }
}

function reason(e: unknown): string {
  const m = (e as Error)?.message ?? String(e);
  return m.replace(/^[A-Z_]+: /, '');
}

function streamOf(input: ArchiveInput): AsyncIterable<Buffer> {
  return 'data' in input ? Readable.from([input.data]) : fs.createReadStream(input.abs, { highWaterMark: 1 << 20 });
}

/** `../x`, `/etc/x`, `C:\x`: names that would escape a folder if someone extracted the archive. */
export function unsafeMemberName(name: string): boolean {
  const n = name.replace(/\\/g, '/');
  return n.startsWith('/') || /^[A-Za-z]:/.test(n) || n.split('/').includes('..') || n.includes('\0');
}

/** Control characters in a member name would garble the report. */
const printable = (name: string) => name.replace(/[\x00-\x1f\x7f]/g, '?');

/** One member found by a format reader: checked, opened if it is an archive itself, or yielded. */
async function* member(
  ctx: Ctx,
  rawName: string,
  prefix: string,
  depth: number,
  content: () => Promise<MemberContent>,
  size: number,
  state?: StreamState,
): AsyncGenerator<ArchiveEvent> {
  const name = printable(rawName.replace(/\\/g, '/'));
  if (unsafeMemberName(rawName)) {
    yield { type: 'skipped', member: prefix + name, reason: 'unsafe member name (absolute or ../ path); not scanned, never extracted' };
    return;
  }
  const nested = archiveKindOf(name);
  if (nested && size >= 2) {
    if (depth >= ctx.limits.maxDepth) {
      yield { type: 'skipped', member: prefix + name, reason: `archive nested deeper than --max-archive-depth ${ctx.limits.maxDepth}; not opened` };
      return;
    }
    const c = await content();
    const data = Buffer.isBuffer(c) ? c : await collect(c, ctx.limits.maxBytes);
    // Cut short by a limit: what was read is no archive and no member; the walk reports the limit.
    if (state?.failure) return;
    if (sniffArchive(data.subarray(0, 512), nested)) {
      yield* walk(ctx, { data }, nested, name, `${prefix}${name}!`, depth + 1);
      return;
    }
    yield { type: 'member', member: prefix + name, content: data };
    return;
  }
  yield { type: 'member', member: prefix + name, content: await content() };
}

async function collect(src: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const b of src) {
    n += b.length;
    if (n > max) throw new ArchiveLimitError(`uncompressed size exceeds --max-archive-bytes ${fmtBytes(max)}; stopped`);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

// --- zip -----------------------------------------------------------------------------------

interface RandomAccess {
  size: number;
  read(pos: number, len: number): Promise<Buffer>;
  close(): Promise<void>;
}

async function openAccess(input: ArchiveInput): Promise<RandomAccess> {
  if ('data' in input) {
    const d = input.data;
    return { size: d.length, read: async (pos, len) => d.subarray(pos, Math.min(d.length, pos + len)), close: async () => {} };
  }
  const fh = await fs.promises.open(input.abs, 'r');
  const { size } = await fh.stat();
  return {
    size,
    async read(pos, len) {
      const buf = Buffer.alloc(Math.max(0, Math.min(len, size - pos)));
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      return buf.subarray(0, bytesRead);
    },
    close: () => fh.close(),
  };
}

interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  csize: number;
  size: number;
  offset: number;
  symlink: boolean;
}

const EOCD = 0x06054b50;
const CDH = 0x02014b50;
const LFH = 0x04034b50;

async function centralDirectory(ra: RandomAccess, maxMembers: number): Promise<ZipEntry[]> {
  const tailLen = Math.min(ra.size, 22 + 0xffff);
  const tailPos = ra.size - tailLen;
  const tail = await ra.read(tailPos, tailLen);
  let e = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      e = i;
      break;
    }
  }
  if (e < 0) throw new Error('no end of central directory record');
  let count = tail.readUInt16LE(e + 10);
  let cdSize = tail.readUInt32LE(e + 12);
  let cdOffset = tail.readUInt32LE(e + 16);
  if ((count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) && tailPos + e >= 20) {
    const loc = await ra.read(tailPos + e - 20, 20);
    if (loc.readUInt32LE(0) === 0x07064b50) {
      const z = await ra.read(Number(loc.readBigUInt64LE(8)), 56);
      if (z.length < 56 || z.readUInt32LE(0) !== 0x06064b50) throw new Error('corrupt zip64 end of central directory');
      count = Number(z.readBigUInt64LE(32));
      cdSize = Number(z.readBigUInt64LE(40));
      cdOffset = Number(z.readBigUInt64LE(48));
    }
  }
  if (count > maxMembers) throw new ArchiveLimitError(`${count} members exceed the limit of ${maxMembers} per archive; not opened`);
  if (cdOffset + cdSize > ra.size) throw new Error('central directory lies beyond the end of the file');
  const cd = await ra.read(cdOffset, cdSize);
  const out: ZipEntry[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CDH) throw new Error('corrupt central directory');
    const madeBy = cd.readUInt16LE(p + 4) >> 8;
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    let csize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nlen = cd.readUInt16LE(p + 28);
    const xlen = cd.readUInt16LE(p + 30);
    const clen = cd.readUInt16LE(p + 32);
    const ext = cd.readUInt32LE(p + 38);
    let offset = cd.readUInt32LE(p + 42);
    const name = cd.subarray(p + 46, p + 46 + nlen).toString(flags & 0x800 ? 'utf8' : 'latin1');
    // zip64: the real sizes and offset sit in extra field 0x0001, in this order, when the 32-bit ones are saturated.
    for (let q = p + 46 + nlen, end = q + xlen; q + 4 <= end; ) {
      const id = cd.readUInt16LE(q);
      const len = cd.readUInt16LE(q + 2);
      if (id === 1) {
        let r = q + 4;
        const stop = Math.min(end, r + len);
        if (size === 0xffffffff && r + 8 <= stop) (size = Number(cd.readBigUInt64LE(r))), (r += 8);
        if (csize === 0xffffffff && r + 8 <= stop) (csize = Number(cd.readBigUInt64LE(r))), (r += 8);
        if (offset === 0xffffffff && r + 8 <= stop) offset = Number(cd.readBigUInt64LE(r));
      }
      q += 4 + len;
    }
    out.push({ name, flags, method, csize, size, offset, symlink: madeBy === 3 && ((ext >>> 16) & 0o170000) === 0o120000 });
    p += 46 + nlen + xlen + clen;
  }
  return out;
}

async function* walkZip(ctx: Ctx, input: ArchiveInput, prefix: string, depth: number): AsyncGenerator<ArchiveEvent> {
  const ra = await openAccess(input);
  try {
    const entries = await centralDirectory(ra, ctx.limits.maxMembers);
    const { maxRatio, maxBytes } = ctx.limits;
    // Everything is decided from the central directory before a single byte is inflated.
    let total = 0;
    for (const e of entries) {
      total += e.size;
      if (e.size > RATIO_FLOOR && e.size > e.csize * maxRatio) {
        const ratio = e.csize > 0 ? Math.round(e.size / e.csize) : Infinity;
        throw new ArchiveLimitError(
          `zip bomb suspected: member "${printable(e.name)}" declares ${fmtBytes(e.size)} from ${fmtBytes(e.csize)} ` +
            `(compression ratio ${ratio}:1 over the limit of ${maxRatio}:1); not expanded`,
        );
      }
    }
    if (ctx.used + total > maxBytes) {
      throw new ArchiveLimitError(`declared uncompressed size ${fmtBytes(total)} exceeds --max-archive-bytes ${fmtBytes(maxBytes)}; not expanded`);
    }
    for (const e of entries) {
      if (e.name.endsWith('/') || e.name.endsWith('\\')) continue; // a folder
      const shown = prefix + printable(e.name.replace(/\\/g, '/'));
      if (e.symlink) {
        yield { type: 'skipped', member: shown, reason: 'symbolic link in archive; not followed' };
        continue;
      }
      if (e.flags & 1) {
        yield { type: 'skipped', member: shown, reason: 'encrypted member; not scanned' };
        continue;
      }
      if (e.method !== 0 && e.method !== 8) {
        yield { type: 'skipped', member: shown, reason: `unsupported compression method ${e.method}; not scanned` };
        continue;
      }
      if (unsafeMemberName(e.name)) {
        yield* member(ctx, e.name, prefix, depth, async () => Buffer.alloc(0), 0);
        continue;
      }
      let data: Buffer;
      try {
        data = await inflateMember(ra, e);
      } catch (err) {
        yield { type: 'error', member: shown, message: reason(err) };
        continue;
      }
      ctx.used += data.length;
      yield* member(ctx, e.name, prefix, depth, async () => data, data.length);
    }
  } finally {
    await ra.close();
  }
}

async function inflateMember(ra: RandomAccess, e: ZipEntry): Promise<Buffer> {
  const lfh = await ra.read(e.offset, 30);
  if (lfh.length < 30 || lfh.readUInt32LE(0) !== LFH) throw new Error('corrupt local header');
  const start = e.offset + 30 + lfh.readUInt16LE(26) + lfh.readUInt16LE(28);
  const raw = await ra.read(start, e.csize);
  if (raw.length < e.csize) throw new Error('member data truncated');
  if (e.method === 0) return raw;
  try {
    // Capped at the declared size: a header that lies about it stops here, not at the real size.
    return zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new Error(`inflates beyond its declared size of ${fmtBytes(e.size)} (corrupt or a zip bomb); not expanded further`);
    }
    throw new Error(`corrupt deflate data: ${reason(err)}`);
  }
}

// --- gzip ----------------------------------------------------------------------------------

interface StreamState {
  /** A failure met while a consumer read a streamed member: reported once the member is done. */
  failure?: unknown;
}

async function* walkGzip(ctx: Ctx, input: ArchiveInput, kind: ArchiveKind, name: string, prefix: string, depth: number, state: StreamState): AsyncGenerator<ArchiveEvent> {
  const compressed = 'data' in input ? input.data.length : input.size;
  const cap = Math.max(RATIO_FLOOR, compressed * ctx.limits.maxRatio);
  // The trailer's size (ISIZE) is not trusted: the last 4 bytes of a truncated download are not a
  // trailer, and trusting them skipped such a file as a "bomb" (exit 0, nothing scanned) instead of
  // failing it. The stream is capped instead, which costs at most ratio x compressed bytes of output.
  const reader = new ByteReader(gunzipLimited(streamOf(input), cap, ctx), state);
  try {
    await reader.fill(512);
    if (isTarHeader(reader.peek(512))) {
      yield* walkTar(ctx, reader, prefix, depth, false);
      return;
    }
    // A lone gzip member: named after the file, less its .gz (`app.log.gz` holds `app.log`).
    const base = path.posix.basename(name.replace(/\\/g, '/'));
    const inner = kind === 'tgz' ? base.replace(/\.(?:tgz|taz)$/i, '.tar').replace(/\.gz$/i, '') : base.replace(/\.gz$/i, '');
    const region = reader.region(Infinity);
    yield* member(ctx, inner || 'data', prefix, depth, async () => region.stream, Infinity, state);
  } finally {
    await reader.close();
  }
}

/** Gunzip as a stream that stops (throws) as soon as its output passes the ratio cap or the byte budget. */
async function* gunzipLimited(src: AsyncIterable<Buffer>, cap: number, ctx: Ctx): AsyncGenerator<Buffer> {
  const input = src instanceof Readable ? src : Readable.from(src);
  const gz = zlib.createGunzip();
  input.on('error', (e) => gz.destroy(e));
  input.pipe(gz);
  let total = 0;
  try {
    for await (const b of gz as AsyncIterable<Buffer>) {
      total += b.length;
      ctx.used += b.length;
      if (total > cap) {
        throw new ArchiveLimitError(`gzip bomb suspected: output passed ${fmtBytes(cap)} (the compression ratio limit of ${ctx.limits.maxRatio}:1); stopped, not expanded further`);
      }
      if (ctx.used > ctx.limits.maxBytes) throw new ArchiveLimitError(`uncompressed size exceeds --max-archive-bytes ${fmtBytes(ctx.limits.maxBytes)}; stopped`);
      yield b;
    }
  } finally {
    input.destroy();
    gz.destroy();
  }
}

// --- tar -----------------------------------------------------------------------------------

/** A tar header block: its checksum (sum of its bytes, the checksum field read as spaces) must agree. */
function isTarHeader(h: Uint8Array): boolean {
  if (h.length < 512) return false;
  const want = parseOctal(h, 148, 8);
  if (want === undefined) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === want && sum !== 256; // 256: an all-zero block
}

function parseOctal(h: Uint8Array, off: number, len: number): number | undefined {
  // GNU base-256 for sizes over 8 GiB: high bit of the first byte set.
  if (h[off] & 0x80) {
    let v = h[off] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + h[off + i];
    return v;
  }
  const s = Buffer.from(h.subarray(off, off + len)).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]*$/.test(s)) return undefined;
  return s ? parseInt(s, 8) : 0;
}

const cstr = (h: Uint8Array, off: number, len: number) => {
  const b = Buffer.from(h.subarray(off, off + len));
  const z = b.indexOf(0);
  return b.subarray(0, z < 0 ? b.length : z).toString('utf8');
};

function parsePax(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let p = 0;
  while (p < b.length) {
    const sp = b.indexOf(32, p);
    if (sp < 0) break;
    const len = parseInt(b.subarray(p, sp).toString('latin1'), 10);
    if (!(len > 0)) break;
    const rec = b.subarray(sp + 1, p + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    p += len;
  }
  return out;
}

/** Tar types that hold no file content: links, devices, folders, FIFOs, GNU long link names, volume labels, dump folders. */
const NOT_FILES = '123456KVD';

async function* walkTar(ctx: Ctx, reader: ByteReader, prefix: string, depth: number, countBytes: boolean): AsyncGenerator<ArchiveEvent> {
  let count = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  for (;;) {
    const h = await reader.read(512);
    if (!h) return; // end of data without the two zero blocks: tolerated, as tar does
    if (h.every((b) => b === 0)) return;
    if (!isTarHeader(h)) throw new Error('corrupt tar header');
    const type = String.fromCharCode(h[156] || 48);
    let size = parseOctal(h, 124, 12) ?? 0;
    const pad = (512 - (size % 512)) % 512;
    if (type === 'L' || type === 'x' || type === 'g') {
      if (size > 1 << 20) throw new Error('oversized tar extended header');
      const body = (await reader.read(size)) ?? Buffer.alloc(0);
      await reader.skip(pad);
      if (type === 'L') longName = cstr(body, 0, body.length);
      else if (type === 'x') pax = parsePax(body);
      continue;
    }
    let name = cstr(h, 0, 100);
    if (cstr(h, 257, 6) === 'ustar') {
      const pre = cstr(h, 345, 155);
      if (pre) name = `${pre}/${name}`;
    }
    name = pax.path ?? longName ?? name;
    if (pax.size !== undefined && /^\d+$/.test(pax.size)) size = Number(pax.size);
    const fullPad = (512 - (size % 512)) % 512;
    longName = undefined;
    pax = {};
    if (++count > ctx.limits.maxMembers) throw new ArchiveLimitError(`more than ${ctx.limits.maxMembers} members per archive; stopped`);
    // Unknown types are files: tar extracts them as regular files ("unknown file type 'A', extracted
    // as normal file"), so a hostile archive could hide a member behind a made-up type.
    const regular = !NOT_FILES.includes(type);
    if (!regular) {
      if (type === '1' || type === '2') yield { type: 'skipped', member: prefix + printable(name), reason: `${type === '2' ? 'symbolic' : 'hard'} link in archive; not followed` };
      await reader.skip(size + fullPad);
      continue;
    }
    if (name.endsWith('/')) {
      await reader.skip(size + fullPad);
      continue;
    }
    if (countBytes) {
      if (ctx.used + size > ctx.limits.maxBytes) throw new ArchiveLimitError(`uncompressed size exceeds --max-archive-bytes ${fmtBytes(ctx.limits.maxBytes)}; stopped`);
      ctx.used += size;
    }
    let region: { stream: AsyncIterable<Buffer>; left(): number } | undefined;
    const content = async (): Promise<MemberContent> => {
      if (size <= BUFFER_MEMBER_MAX || archiveKindOf(name)) {
        const b = await reader.read(size);
        if (!b) throw new Error('tar member truncated');
        return b;
      }
      region = reader.region(size);
      return region.stream;
    };
    let taken = false;
    for await (const ev of member(ctx, name, prefix, depth, async () => ((taken = true), content()), size, reader.state)) yield ev;
    // Whatever the consumer did not read of this member is skipped, then its padding.
    if (!taken) await reader.skip(size);
    else if (region) await reader.skip(region.left());
    if (reader.failed()) return;
    await reader.skip(fullPad);
  }
}

/** Pulls exact byte counts out of a stream of buffers; what it does not need it never holds. */
class ByteReader {
  private readonly it: AsyncIterator<Buffer>;
  private bufs: Buffer[] = [];
  private have = 0;
  private done = false;
  constructor(src: AsyncIterable<Buffer>, readonly state: StreamState) {
    this.it = src[Symbol.asyncIterator]();
  }

  failed(): boolean {
    return this.state.failure !== undefined;
  }

  async fill(n: number): Promise<boolean> {
    while (this.have < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length) {
        this.bufs.push(r.value);
        this.have += r.value.length;
      }
    }
    return this.have >= n;
  }

  peek(n: number): Buffer {
    return Buffer.concat(this.bufs, Math.min(n, this.have)).subarray(0, n);
  }

  async read(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) return undefined;
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const b = this.bufs[0];
      if (b.length <= left) {
        parts.push(b);
        this.bufs.shift();
        left -= b.length;
      } else {
        parts.push(b.subarray(0, left));
        this.bufs[0] = b.subarray(left);
        left = 0;
      }
    }
    this.have -= n;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      if (this.have === 0 && !(await this.fill(1))) return;
      const b = this.bufs[0];
      if (b.length <= n) {
        this.bufs.shift();
        this.have -= b.length;
        n -= b.length;
      } else {
        this.bufs[0] = b.subarray(n);
        this.have -= n;
        n = 0;
      }
    }
  }

  /**
   * The next `n` bytes as a stream, for a consumer that scans as it reads. A failure of the
   * underlying stream (a limit, corrupt data) ends it quietly and is kept in the shared state, to
   * be reported once, by the archive walk, with the archive's name.
   */
  region(n: number): { stream: AsyncIterable<Buffer>; left(): number } {
    let left = n;
    const self = this;
    async function* gen(): AsyncGenerator<Buffer> {
      try {
        while (left > 0) {
          if (self.have === 0 && !(await self.fill(1))) return;
          const b = self.bufs[0];
          const k = Math.min(b.length, left);
          if (k === b.length) self.bufs.shift();
          else self.bufs[0] = b.subarray(k);
          self.have -= k;
          left -= k;
          yield k === b.length ? b : b.subarray(0, k);
        }
      } catch (e) {
        self.state.failure = e;
        left = 0;
      }
    }
    return { stream: gen(), left: () => left };
  }

  async close(): Promise<void> {
    try {
      await this.it.return?.();
    } catch {
      /* already failed */
    }
  }
}
