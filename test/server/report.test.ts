import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../../server/src/logger';
import { openMetricsRecorder } from '../../server/src/metrics/openMetricsRecorder';
import { requestRow } from '../support/requestRow';
import { testMetricsConfig } from '../support/metricsConfig';

const CLI = join(__dirname, '../../dist/cli.js');

describe('tandem report', () => {
  it('summarizes a metrics database as a table, JSON and Prometheus text', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-report-'));
    try {
      const db = join(dir, 'metrics.db');
      const recorder = openMetricsRecorder({
        dbPath: db,
        config: testMetricsConfig(),
        cacheCounters: () => ({ l1Hits: 0, l2Hits: 0, typingHits: 0, misses: 0 }),
        log: silentLogger,
      });
      recorder.record(requestRow({ id: 'a', ts: Date.now(), backend: 'local', ttftMs: 40, e2eMs: 90 }));
      recorder.record(requestRow({ id: 'b', ts: Date.now(), backend: 'offload', model: 'codellama', ttftMs: 120, e2eMs: 400 }));
      recorder.close();

      const table = spawnSync(process.execPath, [CLI, 'report', '--db', db], { encoding: 'utf8' });
      assert.equal(table.status, 0, table.stderr);
      assert.match(table.stdout, /local completion\s+offload completion/);
      assert.match(table.stdout, /codellama/);

      const json = spawnSync(process.execPath, [CLI, 'report', '--db', db, '--json'], { encoding: 'utf8' });
      assert.equal(JSON.parse(json.stdout).recent.length, 2);

      const prometheus = spawnSync(process.execPath, [CLI, 'report', '--db', db, '--prometheus'], { encoding: 'utf8' });
      assert.match(prometheus.stdout, /# TYPE \w+ (counter|summary)/);
      assert.match(prometheus.stdout, /backend="offload"/);

      const missing = spawnSync(process.execPath, [CLI, 'report', '--db', join(dir, 'nope.db')], { encoding: 'utf8' });
      assert.equal(missing.status, 1);
      assert.match(missing.stderr, /No metrics database/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
