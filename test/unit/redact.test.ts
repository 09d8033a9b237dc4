import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, redact, redactError, redactOptional, registerSecret } from '../../server/src/redact';

const KEY = 'tk-unit-9f8e7d6c5b4a';
registerSecret(KEY);

describe('redact', () => {
  it('removes a registered secret wherever it appears, even without a header name', () => {
    const out = redact(`invalid key ${KEY}; expected another, got ${KEY}.`);
    assert.equal(out, `invalid key ${REDACTED}; expected another, got ${REDACTED}.`);
  });

  it('ignores secrets too short to be one, and empty ones', () => {
    registerSecret('ab');
    registerSecret('   ');
    registerSecret(undefined);
    assert.equal(redact('a tab b'), 'a tab b');
  });

  it('removes credential header values in header, JSON, escaped JSON and query form', () => {
    const cases: Array<[string, string]> = [
      ['Authorization: Bearer abc.def-123', `Authorization: ${REDACTED}`],
      ['authorization: Basic dXNlcjpwYXNz\r\nhost: x', `authorization: ${REDACTED}\r\nhost: x`],
      ['{"authorization":"Bearer abcdef","host":"127.0.0.1"}', `{"authorization":${REDACTED},"host":"127.0.0.1"}`],
      ["{'api-key': 'k-123456'}", `{'api-key': ${REDACTED}}`],
      ['X-Api-Key=topsecret&model=m', `X-Api-Key=${REDACTED}&model=m`],
      ['{\\"x-api-key\\":\\"zzzzzz\\",\\"a\\":1}', `{\\"x-api-key\\":${REDACTED},\\"a\\":1}`],
      ['GET /v1/models?api_key=qwerty123 HTTP/1.1', `GET /v1/models?api_key=${REDACTED} HTTP/1.1`],
    ];
    for (const [input, expected] of cases) assert.equal(redact(input), expected, input);
  });

  it('removes bearer tokens, OpenAI-style keys and URL passwords it was never told about', () => {
    assert.equal(redact('sent Bearer eyJhbGciOi.x-y_z and failed'), `sent Bearer ${REDACTED} and failed`);
    assert.equal(redact('Incorrect API key provided: sk-proj-ABCDEFGHIJKLMNOPQRST.'), `Incorrect API key provided: ${REDACTED}.`);
    assert.equal(redact('cannot reach https://me:hunter22@gpu.local/v1'), `cannot reach https://me:${REDACTED}@gpu.local/v1`);
  });

  it('leaves ordinary messages alone', () => {
    for (const text of [
      'The offload server answered HTTP 401: Unauthorized',
      'Nothing is listening at the offload URL (ECONNREFUSED).',
      'missing authorization header',
      'Serving qwen2.5-coder at http://127.0.0.1:8000/v1',
    ]) {
      assert.equal(redact(text), text);
    }
  });

  it('clips long text after redacting, so a clip never keeps half a secret', () => {
    const long = `${'x'.repeat(995)}${KEY}${'y'.repeat(500)}`;
    const out = redact(long);
    assert.ok(!out.includes(KEY.slice(0, 5)), 'no prefix of the key survives');
    assert.ok(out.startsWith('x'.repeat(995) + REDACTED.slice(0, 5)));
    assert.match(out, /… \(\d+ more characters\)$/);
    assert.equal(redact('abc', 2), 'ab… (1 more characters)');
    assert.equal(redact('x'.repeat(5000), 0).length, 5000, '0 means no clipping');
  });

  it('describes errors and non-strings, and keeps null fields null', () => {
    assert.equal(redactError(new Error(`HTTP 401: {"authorization":"Bearer ${KEY}"}`)), `HTTP 401: {"authorization":${REDACTED}}`);
    assert.equal(redact(42), '42');
    assert.equal(redactOptional(null), null);
    assert.equal(redactOptional(undefined), undefined);
    assert.equal(redactOptional(`key ${KEY}`), `key ${REDACTED}`);
  });
});
