/**
 * Layering rules (`npm run lint:layers`, part of `npm test`). Paths are relative to the folder
 * depcruise runs from; npm packages are matched unanchored (`(^|/)node_modules/…`) so the same rules
 * also hold for test/packaging/layering.test.ts, which cruises a planted tree in a temporary folder.
 */

/** An npm package (and its subpaths) wherever node_modules sits. */
const npm = (name) => `(^|/)node_modules/${name.replace('/', '\\/')}/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'shared-imports-only-zod',
      comment: 'shared/ is the public contract, used by the runner, the page and the sim: zod, no I/O.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { pathNot: ['^shared/', npm('zod')] },
    },
    {
      name: 'zoom-sim-not-runner',
      comment: 'zoom-sim stands in for Zoom: it must not lean on the code it is there to test.',
      severity: 'error',
      from: { path: '^zoom-sim/' },
      to: { path: '^runner/' },
    },
    {
      name: 'supervisor-only-ports',
      comment:
        'The supervisor drives pages and mints through runner/supervisor/ports.ts; it sees shared/ and the Logger type, never Puppeteer, Zoom or the queue.',
      severity: 'error',
      from: { path: '^runner/supervisor/' },
      to: { pathNot: ['^runner/supervisor/', '^shared/', '^runner/log/'] },
    },
    {
      name: 'web-client-only-shared-and-sdk',
      comment:
        'The page runs in Chromium: shared/, its own files and the Meeting SDK (zoom-sim/sdk stands in through a Vite alias, not an import).',
      severity: 'error',
      from: { path: '^web-client/', pathNot: '^web-client/vite\\.config\\.ts$' },
      to: { pathNot: ['^web-client/', '^shared/', npm('@zoom/meetingsdk')] },
    },
    {
      name: 'no-circular',
      comment: 'Cycles make load order matter and layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'bench-not-test',
      comment: 'Benchmarks share rigs with the tests through testkit/, not test/.',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^test/' },
    },
    {
      name: 'testkit-not-test-or-bench',
      comment: 'testkit/ serves both test/ and bench/, so it depends on neither.',
      severity: 'error',
      from: { path: '^testkit/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import depcruise cannot resolve escapes every rule above: fix the import or the config.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|bench/results)/' },
    // Type-only imports count too: a type import still couples the layers.
    tsPreCompilationDeps: true,
    // Resolves the `.js` specifiers of NodeNext to their `.ts` files.
    tsConfig: { fileName: 'tsconfig.json' },
    // `types` too: some subpath exports (hono/utils/http-status) offer only types to a type import.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
