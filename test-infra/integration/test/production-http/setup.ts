// Runs before each route suite file: @specstar/core resolves to composition.ts's version, the
// registries it builds are closed after their test or file (so jest exits with no open handles),
// and the cases skips.ts names are skipped.
import { closeOpened } from './composition';
import { SKIPPED, skipReason } from './skips';

// The suites build registries through helpers.ts and with `new SpecStar()` of their own; swapping
// the export reaches both without touching a suite.
jest.mock('@specstar/core', () => jest.requireActual<typeof import('./composition')>('./composition').coreOnProduction());

const testPath = expect.getState().testPath;
const used = new Set<string>();

function skipping(base: jest.It): jest.It {
  const choose = (title: unknown): jest.It => {
    if (typeof title !== 'string' || skipReason(testPath, title) === undefined) return base;
    used.add(title);
    return base.skip;
  };
  const wrapped = (title: string, ...rest: [jest.ProvidesCallback?, number?]): void => choose(title)(title, ...rest);
  const each = (...table: Parameters<jest.It['each']>) => (title: string, ...rest: unknown[]) =>
    (choose(title).each as (...t: unknown[]) => (...a: unknown[]) => void)(...table)(title, ...rest);
  return Object.assign(wrapped, base, { each });
}

globalThis.it = skipping(globalThis.it);
globalThis.test = skipping(globalThis.test);

afterEach(() => closeOpened('test'));
afterAll(async () => {
  await closeOpened('file');
  // A renamed case would otherwise run (and fail) while its entry lingers here.
  const stale = Object.keys(SKIPPED[testPath?.split(/[\\/]/).pop() ?? ''] ?? {}).filter((title) => !used.has(title));
  if (stale.length > 0) throw new Error(`skips.ts names cases this file does not have: ${stale.join('; ')}`);
});
