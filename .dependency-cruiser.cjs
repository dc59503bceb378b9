/**
 * The architecture, as rules CI enforces (`npm run lint:deps`, run by .ci/run).
 * @see https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */
/** Node modules that reach outside the process: disk, network, other processes. */
const IO_MODULES = '^(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|worker_threads)$';

module.exports = {
  forbidden: [
    {
      name: 'emit-is-pure',
      comment: 'Emitters are pure functions ServiceModel -> OutputFile[]; the sync step reads and writes. The generator\'s own templates/ are read by src/templates.ts.',
      severity: 'error',
      from: { path: '^src/emit/' },
      to: { path: IO_MODULES },
    },
    {
      name: 'emit-uses-no-io-steps',
      comment: 'Emitters may not call the steps that touch the disk, the network or the terminal (their types are fine).',
      severity: 'error',
      from: { path: '^src/emit/' },
      to: { path: '^src/(sync|models|cli|review|spinnaker|scaffold)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'generator-uses-runtime-exports',
      comment: 'The generator reaches @mlservice/runtime through its package exports; a relative import of runtime/ would compile a private copy into the generator\'s dist/.',
      severity: 'error',
      from: { path: '^(src|generators|bin)/' },
      // A package import resolves through the workspace link and is typed 'aliased-workspace'.
      to: { path: '^runtime/', dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'runtime-is-independent',
      comment: 'The runtime is its own package: it never imports the generator, its tests or dev helpers.',
      severity: 'error',
      from: { path: '^runtime/src/' },
      to: { path: '^(src|generators|bin|test|testkit|bench|scripts)/' },
    },
    {
      name: 'tests-are-not-a-library',
      comment: 'Only tests import test helpers; helpers shared with bench/ and scripts/ live in testkit/.',
      severity: 'error',
      from: { pathNot: '^(test|runtime/test)/' },
      to: { path: '^(test|runtime/test)/' },
    },
    {
      name: 'shipped-code-uses-no-dev-helpers',
      severity: 'error',
      from: { path: '^(src|generators|bin|runtime/src)/' },
      to: { path: '^(testkit|bench|scripts)/' },
    },
    {
      name: 'shipped-code-uses-no-dev-dependencies',
      comment: 'A devDependency is not installed for users of the published package.',
      severity: 'error',
      from: { path: '^(src|generators|bin|runtime/src)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      comment: 'Type-only imports count too (tsPreCompilationDeps): a cycle of types is still a tangle.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // The generator's imports of @mlservice/runtime resolve (through the workspace link) to
    // runtime/dist: listed, not cruised.
    doNotFollow: { path: ['node_modules', '^runtime/dist/'] },
    exclude: { path: '^dist/|(^|/)(__snapshots__|fixtures)/|^examples/|^\\.tools/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
