/** H2O-3 for model training and the MOJO scorer: provisioning, the server, its REST client. */
export { createH2oClient, H2oCallError, type H2oClient, type H2oParams } from './client.ts';
export { scoreWithMojo } from './mojo-scorer.ts';
export { ensureH2oServer, ensureMojoScorer, H2O_VERSION, type JavaProgram } from './provision.ts';
export { type H2oServer, type StartH2oOptions, startH2o, sweepH2o } from './service.ts';
