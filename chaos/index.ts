/** The face of chaos/ for the layers above: the fault catalogue, the nemesis, seeded schedules, fault targets. */
export { FAULT_KINDS, faultKindNames, validateFaultKinds, validateFaults } from './faults.ts';
export { createNemesis, type Nemesis, noopNemesis } from './nemesis.ts';
export { expandRandomFaults } from './schedule.ts';
export {
  drawSoakSchedule,
  SOAK_KINDS,
  type SoakTargets,
  soakTargets,
  validateSoakKinds,
} from './soak-schedule.ts';
export type { ServiceControl, TargetResolver } from './targets.ts';
