import { blsScheme } from './bls.ts';
import type { SignatureScheme } from './signature-scheme.ts';
import { simScheme } from './sim-scheme.ts';

export type { KeyPair, SignatureScheme } from './signature-scheme.ts';
export { blsScheme, simScheme };

export function schemeByName(name: 'bls' | 'sim'): SignatureScheme {
  return name === 'bls' ? blsScheme : simScheme;
}
