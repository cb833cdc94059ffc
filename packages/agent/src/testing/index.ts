/** Test helpers for other packages' integration tests (e2e): the agent process harness and a small model. */
export * from './agentHarness.js';
export * from './itestCluster.js';
export * from './testAgent.js';
