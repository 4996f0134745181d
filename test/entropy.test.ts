import { describe, expect, it } from 'vitest';
import { alphabetSize, randomEntropy, randomEnough, shannonEntropy } from '../src/engine/entropy.js';
import { parseConfig } from '../src/engine/schema.js';
import type { SpillguardError } from '../src/errors.js';
import { scanText } from '../src/scan/index.js';
import { rulesFrom } from './helpers/rules.js';

const rule = (threshold: string) => `
[[rules]]
id = "key"
regex = '''key = "([^"]+)"'''
keywords = ["key ="]
${threshold}
`;
const found = (threshold: string, value: string) => scanText(`key = "${value}"`, { rules: rulesFrom(rule(threshold)) }).findings.length;

describe('entropy of random strings', () => {
  it('is exact against sampled means (hex, alphanumeric, base64)', () => {
    // Means of 20 000 sampled random strings each: the formula must agree to 0.01 bit.
    expect(randomEntropy(16, 16)).toBeCloseTo(3.211, 2);
    expect(randomEntropy(16, 32)).toBeCloseTo(3.613, 2);
    expect(randomEntropy(62, 16)).toBeCloseTo(3.769, 2);
    expect(randomEntropy(64, 32)).toBeCloseTo(4.559, 2);
    expect(randomEntropy(64, 64)).toBeCloseTo(5.181, 2);
    // Long strings use the Miller-Madow estimate; it joins the exact value smoothly.
    expect(Math.abs(randomEntropy(16, 1025) - randomEntropy(16, 1024))).toBeLessThan(0.01);
    expect(randomEntropy(16, 1)).toBe(0);
  });

  it('judges the alphabet by the characters used', () => {
    expect(['deadbeef0123', 'DEADBEEF0123', 'abcXYZ019', 'ab+/c==', 'a_b-c', 'pa$$w0rd!'].map(alphabetSize)).toEqual([16, 16, 62, 64, 64, 94]);
  });
});

describe('entropyRatio', () => {
  // A typical random 16-hex value: some digits repeat (3.3 bits; the mean of random ones is 3.2).
  const hex16 = '3b7d3b0f9e17a2d3';
  it('keeps a random 16-character hex key that a fixed 3.5-bit floor drops', () => {
    expect(shannonEntropy(hex16)).toBeLessThan(3.5);
    expect(found('entropy = 3.5', hex16)).toBe(0);
    expect(found('entropyRatio = 0.85', hex16)).toBe(1);
  });

  it('drops repetitive values of any alphabet, and both fields must pass when both are set', () => {
    expect(found('entropyRatio = 0.85', 'aaaabbbbccccdddd')).toBe(0);
    expect(found('entropyRatio = 0.85', 'xX1-xX1-xX1-xX1-xX1-xX1-')).toBe(0);
    expect(found('entropyRatio = 0.85', 'J7rQ2mW9xK4pL8vN3bT6yH1d')).toBe(1);
    expect(found('entropy = 4.5\nentropyRatio = 0.85', hex16)).toBe(0);
    expect(randomEnough('aaaabbbbccccdddd', shannonEntropy('aaaabbbbccccdddd'), 0.6)).toBe(true);
  });

  it('is validated at load, naming the field', () => {
    for (const bad of ['0', '1.5', '"high"']) {
      const err = (() => {
        try {
          parseConfig(rule(`entropyRatio = ${bad}`), 'p.toml');
        } catch (e) {
          return e as SpillguardError;
        }
      })();
      expect(err?.render()).toBe('p.toml:6: rule "key": field "entropyRatio": must be a number above 0 and at most 1');
    }
  });
});
