/** package.json's commands and menus must match the commands the extension registers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pkg from '../../../package.json';
import { CommandIds } from '../../../extension/src/commandIds';

interface Contributes {
  commands?: { command: string; title: string; category?: string }[];
  menus?: Record<string, { command: string; when?: string }[]>;
}

const contributes = (pkg as { contributes?: Contributes }).contributes ?? {};
const contributed = contributes.commands ?? [];

describe('package.json contributes.commands', () => {
  it('lists exactly the registered commands, each titled in the Tandem category', () => {
    assert.deepEqual(contributed.map((command) => command.command).sort(), Object.values(CommandIds).sort());
    for (const command of contributed) {
      assert.equal(command.category, 'Tandem', command.command);
      assert.ok(command.title.length > 0, command.command);
    }
  });

  it('hides the internal accept command from the command palette', () => {
    const palette = contributes.menus?.commandPalette ?? [];
    assert.ok(palette.some((entry) => entry.command === CommandIds.didAcceptCompletion && entry.when === 'false'));
  });

  it('refers only to contributed commands in menus', () => {
    const known = new Set(contributed.map((command) => command.command));
    for (const [menu, entries] of Object.entries(contributes.menus ?? {})) {
      for (const entry of entries) assert.ok(known.has(entry.command), `${menu} names ${entry.command}`);
    }
  });
});
