/** Shannon entropy in bits per character. Allocation-free for ASCII, which is nearly every secret. */
export function shannonEntropy(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  const counts = new Uint32Array(128);
  let other: Map<number, number> | undefined;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) counts[c]++;
    else {
      other ??= new Map();
      other.set(c, (other.get(c) ?? 0) + 1);
    }
  }
  let h = 0;
  const add = (k: number) => {
    const p = k / n;
    h -= p * Math.log2(p);
  };
  for (let c = 0; c < 128; c++) if (counts[c]) add(counts[c]);
  if (other) for (const k of other.values()) add(k);
  return h;
}

/**
 * Size of the usual alphabet a secret is drawn from, judged by the characters it uses: hex (16),
 * alphanumeric (62), base64 / base64url with padding (64), otherwise printable ASCII (94).
 */
export function alphabetSize(s: string): number {
  if (/^(?:[0-9a-f]+|[0-9A-F]+)$/.test(s)) return 16;
  if (/^[A-Za-z0-9]+$/.test(s)) return 62;
  if (/^[A-Za-z0-9+/_=-]+$/.test(s)) return 64;
  return 94;
}

const randomCache = new Map<number, number>();

/**
 * Mean Shannon entropy (bits/char) of a uniformly random string of `n` characters over `k` symbols.
 * Why not log2(k): short strings cannot reach it (16 random hex characters average 3.2 bits, 64 reach
 * 3.8), so one fixed threshold drops most short hex keys and waves through long base64 that is far from
 * random. Exact for n <= 1024 (linearity of expectation: each symbol's count is Binomial(n, 1/k));
 * beyond, the Miller-Madow estimate log2(k) - (k-1)/(2n ln 2), which is then within 0.01 bit.
 */
export function randomEntropy(k: number, n: number): number {
  if (n <= 1) return 0;
  if (n > 1024) return Math.log2(k) - (k - 1) / (2 * n * Math.LN2);
  const key = k * 2048 + n;
  const cached = randomCache.get(key);
  if (cached !== undefined) return cached;
  const p = 1 / k;
  let pmf = Math.pow(1 - p, n); // P(count = 0)
  let h = 0;
  for (let c = 1; c <= n; c++) {
    pmf *= ((n - c + 1) / c) * (p / (1 - p));
    h += pmf * (c / n) * Math.log2(n / c);
  }
  h *= k;
  randomCache.set(key, h);
  return h;
}

/** A rule's `entropyRatio` check: the secret's entropy against a random string's of its length and alphabet. */
export function randomEnough(secret: string, entropy: number, ratio: number): boolean {
  return entropy >= ratio * randomEntropy(alphabetSize(secret), secret.length);
}
