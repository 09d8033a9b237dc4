/**
 * When the performance panel's host reads the charts' rows (panelRowsSchedule.ts): at once when
 * the page asks or the filters change, otherwise at most once per interval, saying when the
 * trailing read is due.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PanelRowsSchedule } from '../../../extension/src/panelRowsSchedule';

describe('panel rows schedule', () => {
  it('reads the first time, then at most once per interval while metrics keep changing', () => {
    let now = 1000;
    const schedule = new PanelRowsSchedule(5000, () => now);
    assert.deepEqual(schedule.decide('24h'), { read: true });
    now += 1000;
    assert.deepEqual(schedule.decide('24h'), { read: false, dueInMs: 4000 });
    now += 3999;
    assert.deepEqual(schedule.decide('24h'), { read: false, dueInMs: 1 });
    now += 1;
    assert.deepEqual(schedule.decide('24h'), { read: true }, 'due: the trailing read');
    assert.deepEqual(schedule.decide('24h'), { read: false, dueInMs: 5000 });
  });

  it('reads at once for new filters or when the page asked', () => {
    let now = 0;
    const schedule = new PanelRowsSchedule(5000, () => now);
    schedule.decide('24h');
    now += 10;
    assert.deepEqual(schedule.decide('1h'), { read: true }, 'other filters: the kept rows are of no use');
    schedule.force();
    assert.deepEqual(schedule.decide('1h'), { read: true });
    assert.deepEqual(schedule.decide('1h'), { read: false, dueInMs: 5000 }, 'a forced read counts as a read');
  });
});
