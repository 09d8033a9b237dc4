/**
 * The server's document window tells listeners about each change before applying it (survival
 * follows accepted text through it): the document still holds the text the ranges refer to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DocumentWindow } from '../../../server/src/documents/documentWindow';
import { offsetEdits, type OffsetEdit } from '../../../server/src/completion/quality/documentEdits';

describe('DocumentWindow.onWillChange', () => {
  it('sees every change of a kept document with the text before it, and none of documents it does not keep', () => {
    const window = new DocumentWindow({ maxDocumentBytes: () => 100 });
    const seen: Array<{ before: string; edits: OffsetEdit[] | undefined }> = [];
    window.onWillChange((document, changes) => seen.push({ before: document.getText(), edits: offsetEdits(document, changes) }));
    window.open({ uri: 'file:///a.ts', languageId: 'typescript', version: 1, text: 'let x = 1;\n' });
    window.change({
      textDocument: { uri: 'file:///a.ts', version: 2 },
      contentChanges: [{ range: { start: { line: 0, character: 8 }, end: { line: 0, character: 9 } }, text: '42' }],
    });
    window.change({ textDocument: { uri: 'file:///unknown.ts', version: 2 }, contentChanges: [{ text: 'x' }] });
    assert.deepEqual(seen, [{ before: 'let x = 1;\n', edits: [{ start: 8, end: 9, text: '42' }] }]);
    assert.equal(window.get('file:///a.ts')?.getText(), 'let x = 42;\n');
  });
});
