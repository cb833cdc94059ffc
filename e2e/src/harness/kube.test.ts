import { describe, expect, it } from 'vitest';
import { toTypedNetworkPolicy } from './kube.js';

describe('toTypedNetworkPolicy', () => {
  it('keeps ingress peers that the client library would otherwise drop', () => {
    const typed = toTypedNetworkPolicy({ spec: { ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] } });
    expect(typed.spec?.ingress?.[0]?._from).toEqual([{ podSelector: {} }]);
    expect(typed.spec?.egress?.[0]?.to).toEqual([{ podSelector: {} }]);
  });
});
