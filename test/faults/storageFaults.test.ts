/**
 * Storage faults on real SQLite files, through the recorder the server opens
 * (openMetricsRecorder): while the disk refuses writes (another process's exclusive lock, a full
 * filesystem, a folder gone read-only) rows stay queued and reach the file once it works again,
 * without a restart; a damaged file of each kind is set aside or repaired and recording goes on
 * on disk. test/server/sqliteRobustness.test.ts covers opening (garbage, damaged pages, a lock at
 * open time, unwritable folders); this file covers what happens to rows during a session.
 *
 * The exclusive lock is held 4 s, not the 10 s of the issue: the recorder's back-off doubles per
 * failed attempt, so a longer hold only adds waiting to the suite, not coverage.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { memoryLogger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import { SqliteMetricsRecorder } from '../../server/src/metrics/recorder';
import { METRICS_MIGRATIONS, SqliteRowStore } from '../../server/src/metrics/store';
import { openDatabase } from '../../server/src/storage/sqlite';
import { requestRow } from '../support/requestRow';
import { cellWithoutOffload, Checks, writeReportPart, type FaultCell } from './results';
import { failingWrites, fillDisk, mountSmallTmpfs, storedIds } from './storageDisk';
import { waitUntil } from './tandemUnderTest';
import { testMetricsConfig } from '../support/metricsConfig';

const LOCK_MS = 4000;
/** How long rows may take to reach the disk once it works again (the back-off is at most 8 s here). */
const RECOVERY_LIMIT_MS = 20_000;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-storage-faults-'));
const cells: FaultCell[] = [];
let counter = 0;
const freshDir = () => fs.mkdtempSync(path.join(root, `case-${++counter}-`));
const metricsConfig = testMetricsConfig();
const noCache = () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 });

after(() => {
  writeReportPart('storage', cells);
  fs.rmSync(root, { recursive: true, force: true });
});

function openRecorder(file: string) {
  const log = memoryLogger();
  return { recorder: openMetricsRecorder({ dbPath: file, config: metricsConfig, cacheCounters: noCache, log }), log };
}

/** Records `count` rows with current timestamps (inside the retention window); returns their ids. */
function recordRows(recorder: SqliteMetricsRecorder, count: number, label: string): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const row = requestRow({ id: `${label}-${i}-${Math.random().toString(36).slice(2, 8)}`, ts: Date.now() });
    recorder.record(row);
    ids.push(row.id);
  }
  return ids;
}

/** Rows over `durationMs`, in small groups, so several timed flushes meet the fault. */
async function recordDuring(recorder: SqliteMetricsRecorder, durationMs: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  const end = performance.now() + durationMs;
  for (let group = 0; performance.now() < end; group++) {
    ids.push(...recordRows(recorder, 5, `${label}-${group}`));
    await sleep(200);
  }
  return ids;
}

/** Waits until every id is in the file, read through a handle of its own; returns those missing. */
async function missingAfterRecovery(file: string, ids: readonly string[]): Promise<string[]> {
  const missing = () => {
    const stored = storedIds(file);
    return ids.filter((id) => !stored.has(id));
  };
  return waitUntil('rows on disk', async () => (missing().length === 0 ? [] : undefined), RECOVERY_LIMIT_MS).catch(() => missing());
}

function storageCell(fault: string, requests: number, lost: number, failures: string[], note: string): FaultCell {
  return cellWithoutOffload({ fault, policy: 'storage', requests, answered: requests - lost, rowsLost: lost, failures, note });
}

/**
 * The shared shape of the "disk refuses writes for a while" cases: rows before, rows during the
 * fault, rows after; every one must be in the file before the recorder is closed.
 */
async function refusesThenRecovers(
  fault: string,
  file: string,
  recorder: SqliteMetricsRecorder,
  log: ReturnType<typeof memoryLogger>,
  during: () => Promise<string[]>,
  note: string,
): Promise<void> {
  const checks = new Checks();
  const ids = recordRows(recorder, 20, 'before');
  recorder.flush();
  ids.push(...(await during()));
  ids.push(...recordRows(recorder, 20, 'after'));
  const missing = await missingAfterRecovery(file, ids);
  checks.check(
    missing.length === 0,
    `${missing.length} of ${ids.length} rows not on disk ${RECOVERY_LIMIT_MS / 1000} s after the disk worked again`,
  );
  const gaveUp = log.messages('warn').filter((line) => /kept in memory for the rest of this session/.test(line));
  checks.check(gaveUp.length === 0, `the recorder gave the file up: ${gaveUp.join(' | ')}`);
  recorder.close();
  const lost = ids.filter((id) => !storedIds(file).has(id)).length;
  checks.check(lost === 0, `${lost} rows lost after close`);
  cells.push(storageCell(fault, ids.length, lost, checks.failures, note));
  checks.finish();
}

describe('storage faults during a session: rows are kept and written once the disk works again', () => {
  it(`another process holds an exclusive lock for ${LOCK_MS / 1000} s`, { timeout: 60_000 }, async () => {
    const file = path.join(freshDir(), 'metrics.db');
    const { recorder, log } = openRecorder(file);
    await refusesThenRecovers(
      `sqlite: exclusive lock held ${LOCK_MS / 1000} s`,
      file,
      recorder,
      log,
      async () => {
        const holder = new Database(file);
        holder.exec('BEGIN EXCLUSIVE');
        try {
          return await recordDuring(recorder, LOCK_MS, 'locked');
        } finally {
          holder.exec('ROLLBACK');
          holder.close();
        }
      },
      'BEGIN EXCLUSIVE from a second better-sqlite3 handle',
    );
  });

  it('the filesystem is full, then space is freed', { timeout: 60_000 }, async (t) => {
    const mount = mountSmallTmpfs(path.join(freshDir(), 'tmpfs'));
    if (mount) t.after(() => mount.unmount());
    if (mount) {
      const file = path.join(mount.dir, 'metrics.db');
      const { recorder, log } = openRecorder(file);
      await refusesThenRecovers(
        'sqlite: full filesystem',
        file,
        recorder,
        log,
        async () => {
          const filler = fillDisk(mount.dir);
          const ids = await recordDuring(recorder, 2000, 'full');
          fs.rmSync(filler);
          return ids;
        },
        'tmpfs size=512k filled to ENOSPC',
      );
      return;
    }
    // No mount allowed here: the same failure as better-sqlite3 reports it on a full disk.
    await injectedRefusal('sqlite: full filesystem', 'SQLITE_FULL', 'full', 'injected SQLITE_FULL (no tmpfs mount allowed)');
  });

  // Linux refuses to remount a filesystem read-only while a file on it is open for writing
  // (EBUSY), and root ignores permission bits: the folder going read-only under an open database
  // is injected as the error SQLite gives then.
  it('the storage folder turns read-only, then writable again', { timeout: 60_000 }, async () => {
    await injectedRefusal('sqlite: read-only folder', 'SQLITE_READONLY', 'readonly', 'injected SQLITE_READONLY on write');
  });
});

/** A recorder whose writes fail with `code` (injected) for 2 s of recording, then succeed again. */
async function injectedRefusal(fault: string, code: string, label: string, note: string): Promise<void> {
  const file = path.join(freshDir(), 'metrics.db');
  const { recorder, log } = injectedRecorder(file, code);
  await refusesThenRecovers(
    fault,
    file,
    recorder.recorder,
    log,
    async () => {
      recorder.setFailing(true);
      const ids = await recordDuring(recorder.recorder, 2000, label);
      recorder.setFailing(false);
      return ids;
    },
    note,
  );
}

/** A recorder over a real file whose writes can be made to fail with `code`. */
function injectedRecorder(file: string, code: string) {
  const log = memoryLogger();
  const opened = openDatabase({ path: file, migrations: METRICS_MIGRATIONS, log, contents: 'request metrics' });
  if (!opened.db || !opened.persistent) throw new Error(`could not open ${file}: ${opened.warnings.join(' ')}`);
  const failing = failingWrites(new SqliteRowStore(opened.db), code);
  const recorder = new SqliteMetricsRecorder(failing.store, {
    config: metricsConfig,
    cacheCounters: noCache,
    log,
    now: Date.now,
    storage: { persistent: true, warnings: [] },
  });
  return { recorder: { recorder, setFailing: failing.setFailing }, log };
}

type Corruption = { name: string; damage: (file: string) => void; keepsRows: boolean };

/** Each way a metrics.db is found damaged at start. `keepsRows`: the rows must all survive. */
const CORRUPTIONS: Corruption[] = [
  { name: 'truncated file', damage: (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size * 0.6)), keepsRows: false },
  {
    name: 'garbage header',
    damage: (file) => overwrite(file, 0, Buffer.alloc(100, 0xee)),
    keepsRows: false,
  },
  {
    name: 'garbage page',
    damage: (file) => {
      const pageSize = fs.readFileSync(file).readUInt16BE(16);
      const pages = Math.floor(fs.statSync(file).size / pageSize);
      overwrite(file, Math.floor(pages / 2) * pageSize, Buffer.alloc(pageSize, 0xa5));
    },
    keepsRows: false,
  },
  // A WAL whose header and frames are garbage fails its checksums: SQLite must ignore it and
  // keep every row of the database file.
  { name: 'WAL garbage', damage: (file) => fs.writeFileSync(`${file}-wal`, Buffer.alloc(64 * 1024, 0x3c)), keepsRows: true },
];

describe('a damaged metrics.db at start: set aside or repaired, then recording goes on on disk', () => {
  for (const corruption of CORRUPTIONS) {
    it(corruption.name, { timeout: 30_000 }, () => {
      const checks = new Checks();
      const dir = freshDir();
      const file = path.join(dir, 'metrics.db');
      const seeded = openRecorder(file);
      const old = recordRows(seeded.recorder, 300, 'old');
      seeded.recorder.close();
      corruption.damage(file);

      let kept = 0;
      let lost = old.length;
      let note = '';
      try {
        const { recorder, log } = openRecorder(file);
        checks.check(recorder.storage.persistent, `the recorder works in memory only: ${recorder.storage.warnings.join(' ')}`);
        const stillThere = new Set(recorder.rows().map((row) => row.id));
        kept = old.filter((id) => stillThere.has(id)).length;
        lost = old.length - kept;
        const setAside = fs.readdirSync(dir).filter((name) => name.includes('.corrupt-'));
        note = setAside.length > 0 ? `set aside as ${setAside.join(', ')}` : 'opened in place';
        if (corruption.keepsRows) checks.check(lost === 0, `${lost} of ${old.length} rows lost to a damaged WAL`);
        else checks.check(lost === 0 || setAside.length > 0, `${lost} rows lost and the damaged file was not kept for inspection`);
        const fresh = recordRows(recorder, 25, 'new');
        recorder.close();
        checks.check(log.messages('error').length === 0, `errors: ${log.messages('error').join(' | ')}`);
        // Recovery: a restart finds the new rows in the file.
        const reopened = openRecorder(file);
        const afterRestart = new Set(reopened.recorder.rows().map((row) => row.id));
        reopened.recorder.close();
        const missing = fresh.filter((id) => !afterRestart.has(id)).length;
        checks.check(missing === 0, `${missing} of ${fresh.length} rows recorded after the damage were gone after a restart`);
      } catch (error) {
        checks.check(false, `threw: ${error instanceof Error ? error.message : String(error)}`);
      }
      cells.push({ ...storageCell(`sqlite: ${corruption.name}`, old.length, lost, checks.failures, note), answered: kept });
      checks.finish();
    });
  }
});

function overwrite(file: string, offset: number, bytes: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}
