// Build step: parse the built-in rule packs once and store them in dist/rules.json (see src/config/rules.ts).
import { writeBuiltinCache } from '../dist/config/rules.js';

try {
  const n = writeBuiltinCache();
  console.log(`spillguard: cached ${n} built-in rules in dist/rules.json`);
} catch (e) {
  console.error(`spillguard: cannot build the rule cache: ${e.render ? e.render() : e.message}`);
  process.exit(1);
}
