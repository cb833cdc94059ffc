import { isPalisadeError } from '@palisade/model';
import { GRPCUnavailableError, GRPCInvalidArgumentError, EtcdPermissionDeniedError } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeValue, wrapEtcdError } from './errors.js';

const Schema = z.object({ spec: z.object({ ports: z.array(z.number()) }) });

describe('decodeValue', () => {
  it.each([
    ['{"spec":{"ports":[1]}}', null],
    ['{"spec":', /invalid JSON at \/k/],
    ['{"spec":{"ports":["x"]}}', /invalid value at \/k: spec\.ports\.0: Expected number/],
    ['[]', /invalid value at \/k: \(root\): Expected object/],
  ])('%s', (raw, msg) => {
    if (msg === null) {
      expect(decodeValue('/k', raw, Schema)).toEqual({ spec: { ports: [1] } });
      return;
    }
    let err: unknown;
    try {
      decodeValue('/k', raw, Schema);
    } catch (e) {
      err = e;
    }
    expect(isPalisadeError(err, 'INVALID_VALUE')).toBe(true);
    expect((err as Error).message).toMatch(msg);
    expect(isPalisadeError(err) && err.fields.key).toBe('/k');
  });
});

describe('wrapEtcdError', () => {
  it.each([
    [
      new GRPCUnavailableError('14 UNAVAILABLE: No connection established'),
      'UNAVAILABLE',
      /etcd unreachable at http:\/\/e:1/,
    ],
    [new EtcdPermissionDeniedError('permission denied'), 'UNAVAILABLE', /refused access/],
    [new GRPCInvalidArgumentError('key is not provided'), 'INTERNAL', /etcd get failed/],
  ] as const)('%s', (err, code, msg) => {
    const wrapped = wrapEtcdError(err, ['http://e:1'], 'get');
    expect(wrapped.code).toBe(code);
    expect(wrapped.message).toMatch(msg);
    expect(wrapped.fields.endpoints).toEqual(['http://e:1']);
    expect(wrapped.cause).toBe(err);
  });
});
