/**
 * The import graph faultline keeps (ARCHITECTURE.md "Layout"): every arrow points down, and there is no circle.
 *
 *   core ← clients ← scenarios, engines ← chaos ← infra ← harness ← dashboards ← cli
 *
 * `npm run lint` runs it: `depcruise --config .dependency-cruiser.cjs <folders>`. Tests (`*.test.ts`, test/,
 * fixtures/) may reach across layers to set things up, but not into a circle. cli/ and dashboards/ go through
 * the faces (index.ts) of the folders below them. Type-only imports count: a circle through types is still a
 * circle for a reader.
 */
const TEST = '(^test/|[.]test[.]ts$|/fixtures/)';

/** A rule: files in `from` import nothing under `to` (test files excepted). */
function layer(name, from, to, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from, pathNot: TEST },
    to: { path: to },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A circle makes two modules one: split them or move the shared part down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    layer(
      'core-imports-only-core',
      '^core/',
      '^(clients|scenarios|engines|chaos|infra|harness|dashboards|cli|bin)/',
      'core/ depends on nothing else in the project.',
    ),
    layer(
      'clients-import-only-core',
      '^clients/',
      '^(scenarios|engines|chaos|infra|harness|dashboards|cli|bin)/',
      'clients/ is shared plumbing (Kafka door, loopback ports): it imports only core/.',
    ),
    layer(
      'engines-scenarios-below-chaos',
      '^(engines|scenarios)/',
      '^(chaos|infra|harness|dashboards|cli|bin)/',
      'engines/ and scenarios/ know nothing of faults, providers, the harness or its faces.',
    ),
    layer(
      'engines-know-no-scenarios',
      '^engines/',
      '^scenarios/',
      'Engines know nothing of scenarios: the plan names the workload module their workers load.',
    ),
    layer(
      'chaos-below-infra',
      '^chaos/',
      '^(infra|harness|dashboards|cli|bin)/',
      'chaos/ sits below infra/.',
    ),
    layer('infra-below-harness', '^infra/', '^(harness|dashboards|cli|bin)/', 'infra/ sits below harness/.'),
    layer(
      'harness-below-dashboards',
      '^harness/',
      '^(dashboards|cli|bin)/',
      'harness/ sits below dashboards/.',
    ),
    layer('dashboards-below-cli', '^dashboards/', '^(cli|bin)/', 'dashboards/ sits below cli/.'),
    {
      name: 'no-fixtures-in-product',
      comment: 'Fixtures (folders named fixtures/) serve tests; product code never imports them.',
      severity: 'error',
      from: { pathNot: TEST },
      to: { path: '/fixtures/' },
    },
    {
      name: 'top-layers-through-faces',
      comment: 'cli/ and dashboards/ use harness/, scenarios/, chaos/ and infra/ through their index.ts.',
      severity: 'error',
      from: { path: '^(cli|dashboards)/', pathNot: TEST },
      to: {
        path: '^(harness|scenarios|chaos|infra)/',
        pathNot: '^(harness|scenarios|chaos|infra)/index[.]ts$',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|results)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
