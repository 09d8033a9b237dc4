/**
 * Turns the `tandem.local.completionModel` / `explainModel` setting into a place to load from:
 * 'bundled' (the models shipped in the repo), a local directory, or a Hugging Face Hub id.
 *
 * Hub ids are refused unless `allowRemoteModels` is on, so Tandem never touches the network
 * unless the user asked for it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Task } from '../../protocol';
import { ModelLoadError } from '../backend';
import { fimFamilyForModel } from '../fimDetection';
import type { FimFamily } from '../promptLayout';
import { readDeclaredFimFamily } from './modelFiles';
import { packageRoot } from '../../packageRoot';

export const BUNDLED_MODEL_NAMES: Record<Task, string> = {
  completion: 'tandem-complete-mini',
  explain: 'tandem-explain-mini',
};

export type ModelLocation = { kind: 'directory'; path: string; name: string; bundled: boolean } | { kind: 'hub'; id: string; name: string };

/** Same shape the Hub accepts: `name` or `owner/name`. */
const HUB_ID = /^([\w.-]+\/)?[\w.-]{1,96}$/;

export interface ResolveOptions {
  allowRemoteModels: boolean;
  /** Directory holding the bundled models; default `<package root>/models`. */
  modelsRoot?: string;
  /** Base for relative directory settings; default process.cwd(). */
  cwd?: string;
}

export function resolveModelLocation(setting: string, task: Task, options: ResolveOptions): ModelLocation {
  const value = setting.trim();
  if (value === '' || value === 'bundled') {
    const root = options.modelsRoot ?? defaultModelsRoot();
    const name = BUNDLED_MODEL_NAMES[task];
    return { kind: 'directory', path: path.join(root, name), name, bundled: true };
  }
  const expanded = value.startsWith('~/') ? path.join(os.homedir(), value.slice(2)) : value;
  const asPath = path.resolve(options.cwd ?? process.cwd(), expanded);
  if (looksLikePath(value) || fs.existsSync(asPath)) {
    return { kind: 'directory', path: asPath, name: path.basename(asPath), bundled: false };
  }
  if (!HUB_ID.test(value) || value.includes('..') || value.includes('--')) {
    throw new ModelLoadError(`Model setting "${value}" is neither an existing directory nor a Hugging Face Hub model id.`, value);
  }
  if (!options.allowRemoteModels) {
    throw new ModelLoadError(
      `Model "${value}" is not a local directory and looks like a Hugging Face Hub id, but downloading is off; enable tandem.local.allowRemoteModels or point the setting at a local model directory.`,
      value,
    );
  }
  return { kind: 'hub', id: value, name: value };
}

/** Where transformers.js caches hub downloads: per user, never inside the extension folder. */
export function defaultHubCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'tandem', 'hub');
}

function looksLikePath(value: string): boolean {
  return path.isAbsolute(value) || value.startsWith('./') || value.startsWith('../') || value.startsWith('~/') || value.includes('\\');
}

/** `<package root>/models`, found from this file (source or bundle) by the shared helper. */
export function defaultModelsRoot(): string {
  try {
    return path.join(packageRoot(), 'models');
  } catch (cause) {
    throw new ModelLoadError(`Cannot find the bundled models: no Tandem package.json above "${__dirname}".`, __dirname, { cause });
  }
}

/**
 * FIM family of a completion model: what its directory declares (backends/local/modelFiles.ts
 * readDeclaredFimFamily; for a hub id, the copy in the download cache once there is one), else
 * its name; the bundled model speaks Tandem's format. An unknown model gets 'none' (the prefix
 * only) rather than a guessed template.
 */
export function guessFimTemplate(location: ModelLocation | undefined, hubCacheDir = defaultHubCacheDir()): FimFamily {
  if (!location) return 'tandem';
  const dir = location.kind === 'directory' ? location.path : path.join(hubCacheDir, location.id);
  const declared = readDeclaredFimFamily(dir);
  if (declared) return declared;
  if (location.kind === 'directory' && location.bundled) return 'tandem';
  return fimFamilyForModel(location.kind === 'hub' ? location.id : location.name);
}
