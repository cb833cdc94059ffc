/** The node agent's calculation graph (pure): model objects in, dataplane messages out. */
export { CalcGraph, type CalcInput, type CalcStats, type IpConflict } from './calcGraph.js';
