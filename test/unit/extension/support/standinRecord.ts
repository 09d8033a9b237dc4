/**
 * The folder a client test works in and the stand-in server's record (support/standinServer.cjs
 * appends one JSON line per message it receives to $TANDEM_STANDIN_RECORD). Call `use()` right
 * before the client starts (in `before`, not at import: test files that share a process import
 * first and run later), so the servers it starts inherit this record's path.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/* eslint-disable @typescript-eslint/no-explicit-any -- records are the stand-in's untyped JSON */
export interface StandinRecord {
  /** A fresh folder for documents and storage; the test removes it. */
  workDir: string;
  /** Every recorded `entry[key]`, in order, for entries that have `key`. */
  recordsOf(key: string): any[];
  /** Stand-in servers started from now on record here. */
  use(): void;
}

export function standinRecord(prefix: string): StandinRecord {
  const workDir = mkdtempSync(join(tmpdir(), prefix));
  const recordFile = join(workDir, 'server-record.jsonl');
  writeFileSync(recordFile, '');
  const use = (): void => {
    process.env.TANDEM_STANDIN_RECORD = recordFile;
  };
  const recordsOf = (key: string): any[] =>
    readFileSync(recordFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, any>)
      .filter((entry) => key in entry)
      .map((entry) => entry[key]);
  return { workDir, recordsOf, use };
}
