/** A CalcGraph driven the way tests want it: feed inputs, flush, look at the messages. */
import type { CalcMessage } from '../../messages.js';
import { CalcGraph, type CalcInput } from '../calcGraph.js';

export const TEST_NODE = 'node-1';

export function graph(...inputs: CalcInput[]): {
  g: CalcGraph;
  first: CalcMessage[];
  send: (...i: CalcInput[]) => CalcMessage[];
} {
  const g = new CalcGraph({ nodeName: TEST_NODE });
  const send = (...i: CalcInput[]): CalcMessage[] => {
    i.forEach((x) => g.onUpdate(x));
    return g.flush();
  };
  return { g, first: send(...inputs), send };
}

export const types = (msgs: CalcMessage[]): string[] => msgs.map((m) => m.type);
