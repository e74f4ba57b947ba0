import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeObject } from '../../src/objects/index.ts';
import {
  altObjects,
  appName,
  endpointSlice,
  ingress,
  ingressClass,
  namespaceOf,
  service,
  type Backends,
} from './objects.ts';

/** How the estate is laid out: one file per app, or every object in one file. */
export type YamlLayout = 'files' | 'single';

/** The YAML-mode estate on disk; `edit` rewrites one file. */
export interface Estate {
  /** The directory `serve --manifests` is given. */
  readonly manifests: string;
  /** Moves app `index`'s `/api` path to the `alt` Service. */
  edit(index: number): void;
}

function documents(objects: readonly KubeObject[]): string {
  return objects.map((object) => stringify(object)).join('---\n');
}

function appText(index: number, backends: Backends, edited: boolean): string {
  const name = appName(index);
  const namespace = namespaceOf(index);
  return documents([
    ingress(index, edited),
    service(name, namespace),
    endpointSlice(name, namespace, backends.a),
  ]);
}

// Writes `text` beside the manifests directory and renames it in, so that the watcher never
// reads half a file.
function replaceFile(dir: string, file: string, text: string): void {
  const staging = join(dir, `${file}.new`);
  writeFileSync(staging, text);
  renameSync(staging, join(dir, 'manifests', file));
}

/**
 * Writes the estate under `dir/manifests`: with `files`, `00-common.yaml` (the IngressClass and
 * the `alt` Services) and one `app-N.yaml` per app (Ingress, Service, EndpointSlice); with
 * `single`, all of it in `all.yaml`. An edit rewrites app N's file, or the whole `all.yaml`
 * (from text rendered here in advance, so the benchmark's own work stays out of the timing).
 */
export function writeEstate(
  dir: string,
  count: number,
  backends: Backends,
  layout: YamlLayout,
): Estate {
  const manifests = join(dir, 'manifests');
  mkdirSync(manifests, { recursive: true });
  const common = documents([ingressClass(), ...altObjects(count, backends)]);
  if (layout === 'files') {
    writeFileSync(join(manifests, '00-common.yaml'), common);
    for (let index = 0; index < count; index++) {
      writeFileSync(join(manifests, `${appName(index)}.yaml`), appText(index, backends, false));
    }
    return {
      manifests,
      edit: (index) => {
        replaceFile(dir, `${appName(index)}.yaml`, appText(index, backends, true));
      },
    };
  }
  const parts = [common];
  for (let index = 0; index < count; index++) parts.push(appText(index, backends, false));
  writeFileSync(join(manifests, 'all.yaml'), parts.join('---\n'));
  return {
    manifests,
    edit: (index) => {
      parts[index + 1] = appText(index, backends, true);
      replaceFile(dir, 'all.yaml', parts.join('---\n'));
    },
  };
}
