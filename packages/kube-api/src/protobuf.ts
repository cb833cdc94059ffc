/**
 * Just enough of Kubernetes' protobuf wire format for what kubectl 1.32 sends and
 * asks for, hand-decoded so the server needs no generated code:
 *
 * - kubectl's typed clients (`kubectl create namespace`) send request bodies as
 *   `application/vnd.kubernetes.protobuf` and do not retry with JSON on a 415, so
 *   a v1 Namespace is decoded here (metadata and spec.finalizers). Any other kind
 *   is refused with a 415 naming it.
 * - kubectl's client-side validation fetches `/openapi/v2` as protobuf
 *   (gnostic's openapi_v2.Document); a document without definitions makes it skip
 *   client-side checks, as it does for any kind the server does not describe.
 */
import { makeStatus, statusError } from './status.js';
import type { JsonObject } from './types.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';
/** The content type the real server answers with (kubectl asks for the `@v1.0` spelling). */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const MAGIC = Buffer.from('k8s\0', 'latin1');

interface Field {
  no: number;
  value: Buffer | number;
}

function varint(buf: Buffer, at: { pos: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[at.pos++];
    if (b === undefined) throw new Error('truncated varint');
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return result;
    shift += 7;
  }
}

/** The fields of one message, in order (wire types 0, 1, 2 and 5). */
export function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  const at = { pos: 0 };
  while (at.pos < buf.length) {
    const key = varint(buf, at);
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) out.push({ no, value: varint(buf, at) });
    else if (wire === 2) {
      const len = varint(buf, at);
      if (at.pos + len > buf.length) throw new Error('truncated field');
      out.push({ no, value: buf.subarray(at.pos, at.pos + len) });
      at.pos += len;
    } else if (wire === 1 || wire === 5) at.pos += wire === 1 ? 8 : 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

function str(f: Field | undefined): string {
  if (!f) return '';
  return Buffer.isBuffer(f.value) ? f.value.toString('utf8') : String(f.value);
}

function msg(f: Field | undefined): Buffer {
  return f && Buffer.isBuffer(f.value) ? f.value : Buffer.alloc(0);
}

function field(fs: Field[], no: number): Field | undefined {
  return fs.find((f) => f.no === no);
}

function stringMap(entries: Field[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(msg(e));
    out[str(field(kv, 1))] = str(field(kv, 2));
  }
  return out;
}

/** metav1.ObjectMeta: the fields a client sets on create. */
function objectMeta(buf: Buffer): JsonObject {
  const fs = fields(buf);
  const meta: JsonObject = {};
  const names: Record<number, string> = { 1: 'name', 2: 'generateName', 3: 'namespace' };
  for (const f of fs) if (names[f.no]) meta[names[f.no]!] = str(f);
  const labels = fs.filter((f) => f.no === 11);
  const annotations = fs.filter((f) => f.no === 12);
  const finalizers = fs.filter((f) => f.no === 14).map(str);
  if (labels.length > 0) meta.labels = stringMap(labels);
  if (annotations.length > 0) meta.annotations = stringMap(annotations);
  if (finalizers.length > 0) meta.finalizers = finalizers;
  return meta;
}

function namespace(buf: Buffer): JsonObject {
  const out: JsonObject = { apiVersion: 'v1', kind: 'Namespace', metadata: {} };
  for (const f of fields(buf)) {
    if (f.no === 1) out.metadata = objectMeta(msg(f));
    if (f.no === 2)
      out.spec = {
        finalizers: fields(msg(f))
          .filter((x) => x.no === 1)
          .map(str),
      };
  }
  return out;
}

const DECODERS: Record<string, (raw: Buffer) => JsonObject> = { 'v1/Namespace': namespace };

function unsupported(what: string): Error {
  return statusError(
    makeStatus(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml; protobuf is understood only for v1 Namespace, got ${what}`,
    ),
  );
}

/** Decodes a `k8s\0`-prefixed runtime.Unknown envelope into the JSON object it carries. */
export function decodeKubeProtobuf(body: Buffer): JsonObject {
  if (!body.subarray(0, 4).equals(MAGIC)) throw unsupported('protobuf without the k8s envelope');
  try {
    const env = fields(body.subarray(4));
    const typeMeta = fields(msg(field(env, 1)));
    const apiVersion = str(field(typeMeta, 1));
    const kind = str(field(typeMeta, 2));
    const decode = DECODERS[`${apiVersion}/${kind}`];
    if (!decode) throw unsupported(`protobuf ${apiVersion} ${kind}`);
    return decode(msg(field(env, 2)));
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('truncated')) {
      throw statusError(
        makeStatus(400, 'BadRequest', `error decoding request body: ${err.message}`),
      );
    }
    throw err;
  }
}

function encodeField(no: number, payload: Buffer): Buffer {
  const header: number[] = [(no << 3) | 2];
  let len = payload.length;
  while (len >= 0x80) {
    header.push((len & 0x7f) | 0x80);
    len = Math.floor(len / 128);
  }
  header.push(len);
  return Buffer.concat([Buffer.from(header), payload]);
}

/** openapi_v2.Document{swagger: "2.0", info: {title, version}}: no paths, no definitions. */
export function openApiV2Protobuf(version: string): Buffer {
  const info = Buffer.concat([
    encodeField(1, Buffer.from('Kubernetes')),
    encodeField(2, Buffer.from(version)),
  ]);
  return Buffer.concat([encodeField(1, Buffer.from('2.0')), encodeField(2, info)]);
}
