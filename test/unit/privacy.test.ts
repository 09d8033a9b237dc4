/**
 * Privacy per file (`tandem.completion.exclude`, `.languages`, `.offloadUntitled`): the glob
 * matcher, the per-document verdict shared by server and client, and how the settings merge.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GlobList, globToRegExp } from '../../server/src/completion/globMatch';
import { documentPath, documentVerdict, languageEnabled } from '../../server/src/completion/privacy';
import { DEFAULT_CONFIG, mergeConfig } from '../../server/src/config';
import { mayRequestCompletion } from '../../extension/src/completionPrivacy';

const defaults = new GlobList(DEFAULT_CONFIG.completion.exclude);

describe('GlobList', () => {
  it('the default list excludes secrets at any depth and leaves source files alone', () => {
    for (const path of [
      '/home/u/app/.env',
      '/home/u/app/.env.local',
      '/srv/certs/server.pem',
      '/x/tls.KEY',
      '/repo/secrets.json',
      '/repo/config/secrets/aws.py',
      '/home/u/.ssh/id_rsa',
      '/home/u/.ssh/id_rsa.pub',
      '.env',
    ]) {
      assert.ok(defaults.matches(path), `${path} is excluded`);
    }
    for (const path of ['/home/u/app/main.py', '/repo/src/environment.ts', '/repo/keyboard.ts', '/repo/my_secrets.py', '/repo/key.ts']) {
      assert.equal(defaults.matches(path), false, `${path} is completed`);
    }
  });

  it('* and ? stay inside one segment, ** spans folders', () => {
    assert.ok(globToRegExp('src/*.ts').test('/w/src/a.ts'));
    assert.equal(globToRegExp('src/*.ts').test('/w/src/deep/a.ts'), false);
    assert.ok(globToRegExp('src/**/*.ts').test('/w/src/deep/er/a.ts'));
    assert.ok(globToRegExp('src/**/*.ts').test('/w/src/a.ts'), '** matches zero folders');
    assert.ok(globToRegExp('a?.py').test('/ab.py'));
    assert.equal(globToRegExp('a?.py').test('/a/.py'), false);
  });

  it('supports {a,b}, [abc] and [!abc], escapes regex characters, and roots patterns that start with /', () => {
    assert.ok(globToRegExp('**/*.{pem,crt}').test('/c/x.crt'));
    assert.ok(globToRegExp('file[12].txt').test('/d/file2.txt'));
    assert.equal(globToRegExp('file[!12].txt').test('/d/file2.txt'), false);
    assert.ok(globToRegExp('file[!12].txt').test('/d/file3.txt'));
    assert.equal(globToRegExp('a+b(c).py').test('/aab(c).py'), false);
    assert.ok(globToRegExp('a+b(c).py').test('/a+b(c).py'));
    assert.ok(globToRegExp('/etc/**').test('/etc/app/x.conf'));
    assert.equal(globToRegExp('/etc/**').test('/home/etc/x.conf'), false);
  });

  it('matches Windows separators and ignores blank patterns', () => {
    assert.ok(defaults.matches('C:\\Users\\me\\proj\\.env'));
    assert.equal(new GlobList(['', '  ']).size, 0);
    assert.equal(new GlobList([]).matches('/anything'), false);
  });
});

describe('documentVerdict', () => {
  const settings = DEFAULT_CONFIG.completion;

  it('refuses excluded files and disabled languages, completes the rest', () => {
    assert.deepEqual(documentVerdict('file:///home/u/app/.env', 'dotenv', settings), { complete: false, reason: 'excluded file' });
    assert.deepEqual(
      documentVerdict('file:///home/u/app/%2Eenv', 'properties', settings),
      { complete: false, reason: 'excluded file' },
      'the path is decoded first',
    );
    assert.deepEqual(documentVerdict('file:///home/u/notes.md', 'markdown', settings), { complete: false, reason: 'language disabled' });
    assert.deepEqual(documentVerdict('file:///home/u/app/main.py', 'python', settings), { complete: true, localOnly: false });
  });

  it('untitled documents are local only unless offloadUntitled is on', () => {
    assert.deepEqual(documentVerdict('untitled:Untitled-1', 'python', settings), { complete: true, localOnly: true });
    assert.deepEqual(documentVerdict('untitled:Untitled-1', 'python', { ...settings, offloadUntitled: true }), {
      complete: true,
      localOnly: false,
    });
    assert.deepEqual(documentVerdict('untitled:Untitled-2', 'plaintext', settings), { complete: false, reason: 'language disabled' });
  });

  it('a language map without * enables unlisted languages; an explicit entry wins over *', () => {
    assert.equal(languageEnabled('go', {}), true);
    assert.equal(languageEnabled('go', { '*': false }), false);
    assert.equal(languageEnabled('go', { '*': false, go: true }), true);
    assert.equal(languageEnabled('toString', { '*': false }), false, 'not fooled by Object.prototype');
  });

  it('documentPath decodes file URIs and keeps the path of other schemes', () => {
    assert.equal(documentPath('file:///c%3A/Users/me/a%20b.py'), '/c:/Users/me/a b.py');
    assert.equal(documentPath('untitled:Untitled-1'), 'Untitled-1');
    assert.equal(documentPath('not a uri'), 'not a uri');
  });
});

describe('privacy settings through mergeConfig', () => {
  it('takes a glob list and a language map (merged over the defaults, as VS Code does)', () => {
    const { config, warnings } = mergeConfig({
      completion: { exclude: ['**/*.secret'], languages: { python: false }, offloadUntitled: true },
    });
    assert.deepEqual(warnings, []);
    assert.deepEqual(config.completion.exclude, ['**/*.secret']);
    assert.deepEqual(config.completion.languages, { '*': true, plaintext: false, markdown: false, scminput: false, python: false });
    assert.equal(config.completion.offloadUntitled, true);
  });

  it('flat dotted keys work for object settings too', () => {
    const { config } = mergeConfig({ 'tandem.completion.languages': { '*': false, rust: true } });
    assert.equal(config.completion.languages['*'], false);
    assert.equal(config.completion.languages.rust, true);
  });

  it('rejects malformed values with a warning and keeps the default', () => {
    const { config, warnings } = mergeConfig({ completion: { exclude: '**/.env', languages: { python: 'no' } } });
    assert.deepEqual(config.completion.exclude, DEFAULT_CONFIG.completion.exclude);
    assert.deepEqual(config.completion.languages, DEFAULT_CONFIG.completion.languages);
    assert.equal(warnings.length, 2);
    assert.match(warnings.join('\n'), /exclude must be a list of strings/);
    assert.match(warnings.join('\n'), /languages must be an object of true\/false values/);
  });

  it('a merged config does not share its lists with the settings object it came from', () => {
    const user = { completion: { exclude: ['a'] } };
    const { config } = mergeConfig(user);
    user.completion.exclude.push('b');
    assert.deepEqual(config.completion.exclude, ['a']);
  });
});

describe('client: mayRequestCompletion', () => {
  const reader = (values: Record<string, unknown>) => ({ get: <T>(key: string) => values[key] as T | undefined });

  it('skips excluded files and disabled languages with the default settings', () => {
    assert.equal(mayRequestCompletion(reader({}), 'file:///p/.env', 'dotenv'), false);
    assert.equal(mayRequestCompletion(reader({}), 'file:///p/README.md', 'markdown'), false);
    assert.equal(mayRequestCompletion(reader({}), 'file:///p/app.ts', 'typescript'), true);
    assert.equal(mayRequestCompletion(reader({}), 'untitled:Untitled-1', 'typescript'), true, 'untitled: asked, the server keeps it local');
  });

  it('follows the user settings, and a malformed value falls back to the default', () => {
    assert.equal(mayRequestCompletion(reader({ 'completion.exclude': ['**/*.ts'] }), 'file:///p/app.ts', 'typescript'), false);
    assert.equal(mayRequestCompletion(reader({ 'completion.languages': { markdown: true } }), 'file:///p/a.md', 'markdown'), true);
    assert.equal(mayRequestCompletion(reader({ 'completion.exclude': 7 }), 'file:///p/.env', 'dotenv'), false);
  });
});
