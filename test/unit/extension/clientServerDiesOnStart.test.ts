/**
 * A server that exits while starting (in VS Code: a native module built for another Node ABI, a
 * broken install) must leave Tandem visibly down after one attempt, not in a loop of restarts
 * and error pop-ups. The scenario runs in a child process because vscode-languageclient rejects
 * promises of its own on this path, which node:test would blame on the test.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { SERVER_DOWN_MESSAGE } from '../../../extension/src/serverDown';

describe('Tandem client when the server dies during start-up', () => {
  it('shows "server down" after a single attempt, logs why, and every command says so', async () => {
    const scenario = join(__dirname, 'support', 'serverDiesOnStartScenario.ts');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', scenario], { timeout: 60_000 });
    const result = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(result.starts, 1, 'started once, not restarted');
    assert.equal(result.statusText, '$(debug-disconnect) Tandem: server down');
    assert.equal(result.logsWhy, true);
    assert.ok((result.errorPopups as number) <= 1, `at most one error pop-up, got ${String(result.errorPopups)}`);
    assert.deepEqual(result.explainAnswer, ['warning', SERVER_DOWN_MESSAGE]);
    assert.equal(result.panelMessage, SERVER_DOWN_MESSAGE);
  });
});
