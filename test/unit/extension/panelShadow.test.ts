import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPanelView } from '../../../extension/src/panelViewModel';
import { PANEL_BODY } from '../../../extension/src/webviewBodies';
import type { ShadowStats } from '../../../server/src/protocol';
import { snapshot } from './snapshotFixtures';

const formatTime = (ms: number): string => `t${ms}`;

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

describe('buildPanelView: shadow comparison', () => {
  it('says nothing when shadow mode recorded nothing', () => {
    assert.deepEqual(buildPanelView(snapshot(), { formatTime }).shadowSummary, []);
  });

  it('puts the shadow backend next to the shown one on the same contexts', () => {
    const view = buildPanelView(snapshot({ shadow: [shadow()] }), { formatTime });
    assert.deepEqual(view.shadowSummary, [
      'Shadow: offload also asked on 12 completions shown from local (8 answered, 3 cancelled, 1 failed); ' +
        'on the 5 compared with what you accepted or typed: similarity offload 82% vs local 74%, first line exact 60% vs 40%.',
    ]);
  });

  it('says when nothing could be compared yet', () => {
    const view = buildPanelView(snapshot({ shadow: [shadow({ backend: 'local', shownBackend: 'offload', compared: 0 })] }), { formatTime });
    assert.match(view.shadowSummary[0] ?? '', /^Shadow: local also asked .* shown from offload .*; none compared yet/);
  });

  it('has a place in the panel page', () => {
    assert.match(PANEL_BODY, /<ul id="shadow" class="shadow"><\/ul>/);
  });
});
