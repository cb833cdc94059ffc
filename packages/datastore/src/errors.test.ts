import { isPalisadeError } from '@palisade/model';
import {
  EtcdAuthenticationFailedError,
  GRPCFailedPreconditionError,
  GRPCUnavailableError,
  GRPCInvalidArgumentError,
  EtcdPermissionDeniedError,
} from 'etcd3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Logger } from '@palisade/common';
import { decodeValue, logEtcdFailure, wrapEtcdError } from './errors.js';

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
    [new GRPCInvalidArgumentError('key is not provided'), 'INTERNAL', /etcd get failed/],
  ] as const)('%s', (err, code, msg) => {
    const wrapped = wrapEtcdError(err, { endpoints: ['http://e:1'], op: 'get' });
    expect(wrapped.code).toBe(code);
    expect(wrapped.message).toMatch(msg);
    expect(wrapped.fields.endpoints).toEqual(['http://e:1']);
    expect(wrapped.cause).toBe(err);
  });
});

describe('wrapEtcdError: refusals name the key, the user and the fix', () => {
  it.each([
    [
      new EtcdPermissionDeniedError('etcdserver: permission denied'),
      'agent-x',
      /^etcd denied put \/palisade\/v1\/policy\/a\/b to user "agent-x": grant the permission to a role of "agent-x" \(palisadectl etcd-setup/,
    ],
    [
      new EtcdPermissionDeniedError('etcdserver: permission denied'),
      undefined,
      /^etcd denied put \/palisade\/v1\/policy\/a\/b to no user \(no credentials sent\): give this component its own etcd user/,
    ],
    [
      new EtcdAuthenticationFailedError(
        'etcdserver: authentication failed, invalid user ID or password',
      ),
      'agent-x',
      /^etcd rejected the password of user "agent-x": check --etcd-username/,
    ],
    [
      new GRPCInvalidArgumentError('3 INVALID_ARGUMENT: etcdserver: user name is empty'),
      undefined,
      /^etcd has authentication enabled and put \/palisade\/v1\/policy\/a\/b was sent without credentials: set --etcd-username/,
    ],
    [
      new GRPCFailedPreconditionError(
        '9 FAILED_PRECONDITION: etcdserver: authentication is not enabled',
      ),
      'agent-x',
      /^credentials for user "agent-x" were given but etcd has authentication disabled: enable it \(palisadectl etcd-setup --enable-auth\)/,
    ],
  ] as const)('%s (user %s)', (err, user, msg) => {
    const wrapped = wrapEtcdError(err, {
      endpoints: ['http://e:1'],
      op: 'put',
      key: '/palisade/v1/policy/a/b',
      user,
    });
    expect(wrapped.code).toBe('PERMISSION_DENIED');
    expect(wrapped.message).toMatch(msg);
    expect(wrapped.fields).toMatchObject({
      key: '/palisade/v1/policy/a/b',
      user: user ?? '',
      op: 'put',
    });
    expect(wrapped.fields.fix).toEqual(expect.any(String));
    expect(wrapped.cause).toBe(err);
  });
});

describe('logEtcdFailure', () => {
  function capture(): { logger: Logger; lines: [string, string, Record<string, unknown>][] } {
    const lines: [string, string, Record<string, unknown>][] = [];
    const at =
      (level: string) =>
      (message: string, meta: Record<string, unknown> = {}): void => {
        lines.push([level, message, meta]);
      };
    const logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
    return { logger: logger as unknown as Logger, lines };
  }

  it('logs a refusal at error level with key, user and fix', () => {
    const { logger, lines } = capture();
    const err = wrapEtcdError(new EtcdPermissionDeniedError('etcdserver: permission denied'), {
      endpoints: ['http://e:1'],
      op: 'put',
      key: '/palisade/v1/agent/n1',
      user: 'palisade-agent',
    });
    logEtcdFailure(logger, 'cannot write agent status; retrying', err, { delayMs: 200 });
    expect(lines).toEqual([
      [
        'error',
        'cannot write agent status; retrying',
        expect.objectContaining({
          key: '/palisade/v1/agent/n1',
          user: 'palisade-agent',
          fix: expect.stringContaining('etcd-setup'),
          delayMs: 200,
        }),
      ],
    ]);
  });

  it('logs an outage at warn level', () => {
    const { logger, lines } = capture();
    const err = wrapEtcdError(
      new GRPCUnavailableError('14 UNAVAILABLE: No connection established'),
      {
        endpoints: ['http://e:1'],
        op: 'get',
      },
    );
    logEtcdFailure(logger, 'etcd list failed; will retry', err);
    expect(lines[0]?.[0]).toBe('warn');
  });
});
