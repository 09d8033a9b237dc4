/** Machine and software a report was measured on (seed plan: "include system info"). */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../packageRoot';
import type { BenchReport } from './reportTypes';

/** Runtime packages whose versions change the figures. */
const PACKAGES = ['@huggingface/transformers', 'onnxruntime-node', 'onnxruntime-common', 'openai', 'better-sqlite3'];

export function machineInfo(): BenchReport['machine'] {
  const cpus = os.cpus();
  return {
    platform: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

export function softwareInfo(): BenchReport['software'] {
  const root = packageRoot();
  const packages: Record<string, string> = {};
  for (const name of PACKAGES) {
    const version = versionOf(join(root, 'node_modules', name, 'package.json'));
    if (version) packages[name] = version;
  }
  return { node: process.version, tandem: versionOf(join(root, 'package.json')) ?? 'unknown', packages };
}

function versionOf(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}
