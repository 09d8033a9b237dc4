import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectIndentUnit } from '../../server/src/completion/syntax/indentUnit';

const lines = (text: string) => text.split('\n');

describe('detectIndentUnit', () => {
  it('takes the step into blocks, not docstring or aligned continuation steps', () => {
    const python = lines(
      [
        'class TextWrapper:',
        '    """',
        '    Several instance attributes control various aspects of wrapping:',
        '      width (default: 70)',
        '        the maximum width',
        '     odd (one column)',
        '    """',
        '    def __init__(self,',
        '                 width=70,',
        '                 placeholder=" [...]"):',
        '        self.width = width',
        '        if width:',
        '            pass',
      ].join('\n'),
    );
    assert.equal(detectIndentUnit(python, 'python'), '    ');
  });

  it('takes the most common step when blocks disagree', () => {
    const python = lines('def a():\n  x = 1\ndef b():\n    y = 2\ndef c():\n    z = 3');
    assert.equal(detectIndentUnit(python, 'python'), '    ');
  });

  it('reads tabs and brace languages', () => {
    assert.equal(detectIndentUnit(lines('function f() {\n\tif (x) {\n\t\treturn 1;\n\t}\n}'), 'typescript'), '\t');
    assert.equal(detectIndentUnit(lines('function f() {\n    const o = {\n        a: 1,\n    };\n}'), 'javascript'), '    ');
  });

  it('falls back to the language default without any block', () => {
    assert.equal(detectIndentUnit(lines('x = 1\n   y = 2'), 'python'), '    ');
    assert.equal(detectIndentUnit([], 'typescript'), '  ');
  });
});
