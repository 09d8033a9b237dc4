import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypingAlong } from '../../server/src/cache/typingAlong';

const uri = 'file:///work/src/math.ts';

/** The context a completion service builds: a window of at most `window` chars before the cursor. */
function contextAt(document: string, offset: number, window = 10_000) {
  return {
    prefix: document.slice(Math.max(0, offset - window), offset),
    suffix: document.slice(offset, offset + 200),
    offset,
  };
}

function insert(document: string, offset: number, text: string): string {
  return document.slice(0, offset) + text + document.slice(offset);
}

describe('TypingAlong, literal rule (no offsets)', () => {
  it('answers with the item id the completion was returned under', () => {
    const typing = new TypingAlong();
    typing.remember(uri, { prefix: 'x = ', suffix: '', completion: 'compute()', requestId: 'req-7#2' });
    assert.equal(typing.lookup(uri, { prefix: 'x = com', suffix: '' })?.requestId, 'req-7#2');
  });

  const shown = {
    prefix: 'function add(a: number, b: number) {\n  return ',
    suffix: '\n}\n',
    completion: 'a + b;',
    backend: 'local' as const,
    model: 'bundled',
  };

  it('serves the rest of a shown completion while its first characters are typed', () => {
    const typing = new TypingAlong();
    typing.remember(uri, shown);
    for (let typed = 1; typed < shown.completion.length; typed++) {
      const hit = typing.lookup(uri, {
        prefix: shown.prefix + shown.completion.slice(0, typed),
        suffix: shown.suffix,
      });
      assert.deepEqual(hit, {
        text: shown.completion.slice(typed),
        typedLength: typed,
        backend: 'local',
        model: 'bundled',
      });
    }
  });

  it('has nothing to serve when nothing, too much, or something else was typed', () => {
    const typing = new TypingAlong();
    typing.remember(uri, shown);
    const look = (prefix: string, suffix = shown.suffix) => typing.lookup(uri, { prefix, suffix });
    assert.equal(look(shown.prefix), undefined, 'nothing typed yet');
    assert.deepEqual(
      look(shown.prefix + shown.completion),
      { text: '', typedLength: shown.completion.length, backend: 'local', model: 'bundled' },
      'all of it typed: typed out, nothing left to serve',
    );
    assert.equal(look(`${shown.prefix + shown.completion} `), undefined, 'typed past its end');
    assert.equal(look(`${shown.prefix}b`), undefined, 'a different character');
    assert.equal(look(`${shown.prefix}a`, '\n}\n// new'), undefined, 'the suffix changed');
    const editedEarlier = shown.prefix.replace('add', 'sum') + 'a';
    assert.equal(look(editedEarlier), undefined, 'the prefix changed before the cursor');
    assert.equal(typing.lookup('file:///other.ts', { prefix: `${shown.prefix}a`, suffix: shown.suffix }), undefined);
  });

  it('prefers the newest remembered completion', () => {
    const typing = new TypingAlong();
    typing.remember(uri, { ...shown, completion: 'a - b;' });
    typing.remember(uri, { ...shown, completion: 'a * b;' });
    const hit = typing.lookup(uri, { prefix: `${shown.prefix}a `, suffix: shown.suffix });
    assert.equal(hit?.text, '* b;');
  });
});

describe('TypingAlong with offsets and a sliding prefix window', () => {
  const document = `${'// filler line\n'.repeat(40)}const total = items.reduce(\n\nexport {};\n`;
  const cursor = document.indexOf('(\n') + 1;
  const completion = '(sum, item) => sum + item.price, 0);';

  it('matches although the window start moved with the cursor', () => {
    const typing = new TypingAlong();
    const window = 100;
    typing.remember(uri, { ...contextAt(document, cursor, window), completion });
    let current = document;
    for (let typed = 1; typed < completion.length; typed++) {
      current = insert(current, cursor + typed - 1, completion.charAt(typed - 1));
      const context = contextAt(current, cursor + typed, window);
      assert.equal(context.prefix.length, window);
      assert.equal(typing.lookup(uri, context)?.text, completion.slice(typed), `after ${typed} typed`);
    }
  });

  it('misses when an edit elsewhere moved the cursor offset', () => {
    const typing = new TypingAlong();
    typing.remember(uri, { ...contextAt(document, cursor, 100), completion });
    // One character typed at the cursor, one line deleted at the top: same window text, new offset.
    const edited = insert(document, cursor, '(').slice('// filler line\n'.length);
    const context = contextAt(edited, cursor + 1 - '// filler line\n'.length, 100);
    assert.equal(typing.lookup(uri, context), undefined);
  });

  it('drops entries on noted edits outside the completion being typed, keeps them inside', () => {
    const typing = new TypingAlong();
    typing.remember(uri, { ...contextAt(document, cursor), completion });
    typing.noteEdit(uri, { start: cursor, end: cursor });
    typing.noteEdit(uri, { start: cursor + 3, end: cursor + 4 });
    assert.equal(typing.size, 1);
    typing.noteEdit(uri, { start: 0, end: 5 });
    assert.equal(typing.size, 0);
    const typed = insert(document, cursor, '(');
    assert.equal(typing.lookup(uri, contextAt(typed, cursor + 1)), undefined);
  });
});

describe('TypingAlong memory bounds', () => {
  const shownAt = (n: number) => ({ prefix: `let v${n} = `, suffix: ';', completion: `${n}${n}${n}` });

  it('keeps at most maxPerDocument entries per document, newest first', () => {
    const typing = new TypingAlong({ maxPerDocument: 3 });
    for (let n = 1; n <= 5; n++) typing.remember(uri, shownAt(n));
    assert.equal(typing.size, 3);
    assert.equal(typing.lookup(uri, { prefix: 'let v1 = 1', suffix: ';' }), undefined);
    assert.equal(typing.lookup(uri, { prefix: 'let v5 = 5', suffix: ';' })?.text, '55');
  });

  it('forgets the least recently used document beyond maxDocuments', () => {
    const typing = new TypingAlong({ maxDocuments: 2 });
    typing.remember('file:///a', shownAt(1));
    typing.remember('file:///b', shownAt(2));
    assert.ok(typing.lookup('file:///a', { prefix: 'let v1 = 1', suffix: ';' }), 'a is now the most recent');
    typing.remember('file:///c', shownAt(3));
    assert.equal(typing.lookup('file:///b', { prefix: 'let v2 = 2', suffix: ';' }), undefined);
    assert.ok(typing.lookup('file:///a', { prefix: 'let v1 = 1', suffix: ';' }));
    assert.ok(typing.lookup('file:///c', { prefix: 'let v3 = 3', suffix: ';' }));
  });

  it('skips completions too short to type along or too long to keep', () => {
    const typing = new TypingAlong({ maxCompletionChars: 10 });
    typing.remember(uri, { prefix: 'x', suffix: '', completion: ';' });
    typing.remember(uri, { prefix: 'x', suffix: '', completion: 'y'.repeat(11) });
    assert.equal(typing.size, 0);
  });

  it('compares at most comparedPrefixChars of a huge prefix', () => {
    const typing = new TypingAlong({ comparedPrefixChars: 50 });
    const prefix = `${'x'.repeat(1_000_000)}\nreturn `;
    typing.remember(uri, { prefix, suffix: '', completion: 'value;' });
    assert.equal(typing.lookup(uri, { prefix: `${prefix}va`, suffix: '' })?.text, 'lue;');
  });

  it('forget and clear empty the memory', () => {
    const typing = new TypingAlong();
    typing.remember('file:///a', shownAt(1));
    typing.remember('file:///b', shownAt(2));
    typing.forget('file:///a');
    assert.equal(typing.size, 1);
    typing.clear();
    assert.equal(typing.size, 0);
  });
});
