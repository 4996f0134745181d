import { HANDLERS } from './index.js';

export const suffixOf = (format: string) => HANDLERS[format]?.outputSuffix ?? '';
