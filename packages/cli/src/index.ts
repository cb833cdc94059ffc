/**
 * @palisade/cli: palisadectl. The explain evaluator is exported for the e2e suite,
 * which compares its verdicts with real traffic.
 */
export { run, buildProgram } from './program.js';
export { defaultContext, type CliContext } from './context.js';
export { explainConnection, resolveParty } from './explain/evaluate.js';
export type { Verdict, SideVerdict, SideState, Party, ExplainQuery, Direction } from './explain/types.js';
export { ModelView, type ModelData, type Stored } from './view/modelView.js';
export { decodeModel, type RawItem } from './view/decode.js';
export { EXIT } from './exitCodes.js';
