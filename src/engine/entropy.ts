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
