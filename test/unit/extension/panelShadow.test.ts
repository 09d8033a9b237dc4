import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ShadowStats } from '../../../server/src/protocol';
import { buildStatsTable } from '../../../webview/panel/statsModel';
import { snapshot } from './snapshotFixtures';

function shadow(overrides: Partial<ShadowStats> = {}): ShadowStats {
  return {
    backend: 'offload',
    shownBackend: 'local',
    requests: 12,
    answered: 8,
    errors: 1,
    cancelled: 3,
    compared: 5,
    shadowSimilarity: 0.82,
    shownSimilarity: 0.74,
    shadowFirstLineMatchRate: 0.6,
    shownFirstLineMatchRate: 0.4,
    ...overrides,
  };
}

const shadowNotes = (notes: string[]): string[] => notes.filter((line) => line.startsWith('Shadow:'));

describe('panel statistics: shadow comparison', () => {
  it('says nothing when shadow mode recorded nothing', () => {
    assert.deepEqual(shadowNotes(buildStatsTable(snapshot()).notes), []);
  });

  it('puts the shadow backend next to the shown one on the same contexts', () => {
    assert.deepEqual(shadowNotes(buildStatsTable(snapshot({ shadow: [shadow()] })).notes), [
      'Shadow: offload also asked on 12 completions shown from local (8 answered, 3 cancelled, 1 failed); ' +
        'on the 5 compared with what you accepted or typed: similarity offload 82% vs local 74%, first line exact 60% vs 40%.',
    ]);
  });

  it('says when nothing could be compared yet', () => {
    const notes = shadowNotes(
      buildStatsTable(snapshot({ shadow: [shadow({ backend: 'local', shownBackend: 'offload', compared: 0 })] })).notes,
    );
    assert.match(notes[0] ?? '', /^Shadow: local also asked .* shown from offload .*; none compared yet/);
  });
});
