import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The parser is generated at build time and checked in, so tests and apps never run peggy.
const script = require(join(__dirname, '../../../scripts/generate-qb-parser.js')) as { generatedSource(): string; OUTPUT: string };

describe('generated qb parser', () => {
  it('matches grammar.peggy (run `pnpm run generate:qb` after editing the grammar)', () => {
    expect(readFileSync(script.OUTPUT, 'utf8') === script.generatedSource()).toBe(true);
  });
});
