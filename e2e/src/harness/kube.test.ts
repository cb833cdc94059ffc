import { describe, expect, it } from 'vitest';
import { describeError, toTypedNetworkPolicy } from './kube.js';

describe('toTypedNetworkPolicy', () => {
  it('keeps ingress peers that the client library would otherwise drop', () => {
    const typed = toTypedNetworkPolicy({ spec: { ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] } });
    expect(typed.spec?.ingress?.[0]?._from).toEqual([{ podSelector: {} }]);
    expect(typed.spec?.egress?.[0]?.to).toEqual([{ podSelector: {} }]);
  });
});

describe('describeError', () => {
  it('turns a client ApiException into the Status message', () => {
    const err = Object.assign(new Error('HTTP-Code: 422\nMessage: Unknown API Status Code!\nBody: ...'), {
      code: 422,
      body: JSON.stringify({ kind: 'Status', message: 'Pod "p" is invalid: metadata.labels: too long', code: 422 }),
    });
    expect(describeError(err)).toBe('HTTP 422: Pod "p" is invalid: metadata.labels: too long');
    expect(describeError(new Error('plain'))).toBe('plain');
  });
});
