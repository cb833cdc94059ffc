/**
 * Where commands read the model from. One `load()` is one etcd range read over
 * /palisade/v1/ (the leader key included), so everything a command prints describes
 * a single revision.
 */
import { EtcdClient } from '@palisade/datastore';
import type { EtcdConnectionOptions } from '@palisade/datastore';
import { ROOT_PREFIX } from '@palisade/model';
import { decodeModel } from './view/decode.js';
import type { ModelData } from './view/modelView.js';

export interface ModelSource {
  load(): Promise<ModelData>;
  close(): Promise<void>;
}

export type SourceFactory = (opts: EtcdConnectionOptions) => ModelSource;

export class EtcdModelSource implements ModelSource {
  private constructor(private readonly client: EtcdClient) {}

  static open(opts: EtcdConnectionOptions): EtcdModelSource {
    return new EtcdModelSource(EtcdClient.connect(opts));
  }

  async load(): Promise<ModelData> {
    const { items, revision } = await this.client.listRaw(ROOT_PREFIX);
    return decodeModel(
      items.filter((i): i is typeof i & { value: string } => i.value !== null),
      revision,
    );
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
