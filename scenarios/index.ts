/** The face of scenarios/ for the layers above: the catalogue, scenario files, and the workloads' names and training. */
export {
  CATALOG_DIR,
  catalogNames,
  formatScenario,
  loadScenario,
  parseSeconds,
  RUN_SHAPE_KEYS,
  type Scenario,
} from './schema.ts';
export { trainAndSave, workloadNames } from './workloads/index.ts';
