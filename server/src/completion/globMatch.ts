/**
 * A small glob matcher for `tandem.completion.exclude`, so the server and the client apply the
 * same rule without a dependency. Supports what the settings need: `**` (any number of folders),
 * `*` and `?` (within one path segment), `{a,b}` alternatives and `[abc]` / `[!abc]` classes.
 *
 * Privacy errs towards excluding: matching ignores case (`.ENV` on a case-insensitive disk is
 * the same file), a pattern that does not start with `/` may match at any folder depth (the
 * server does not know the workspace root), and a path is matched when the pattern matches the
 * file or any folder above it (the default `secrets*` pattern also covers `secrets/aws.py`).
 */

/** A compiled list of globs; `matches` takes a path with `/` separators. */
export class GlobList {
  private readonly patterns: RegExp[];

  constructor(globs: readonly string[]) {
    this.patterns = globs
      .map((glob) => glob.trim())
      .filter((glob) => glob !== '')
      .map(globToRegExp);
  }

  get size(): number {
    return this.patterns.length;
  }

  matches(path: string): boolean {
    if (this.patterns.length === 0) return false;
    const normalized = path.replace(/\\/g, '/');
    return pathAndAncestors(normalized).some((candidate) => this.patterns.some((pattern) => pattern.test(candidate)));
  }
}

/** The path itself, then each folder above it: `/a/b/c` → `/a/b/c`, `/a/b`, `/a`. */
function pathAndAncestors(path: string): string[] {
  const out = [path];
  for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) out.push(path.slice(0, cut));
  return out;
}

/** Anchored, case-insensitive RegExp for one glob. */
export function globToRegExp(glob: string): RegExp {
  const rooted = glob.startsWith('/');
  const body = translate(rooted ? glob.slice(1) : glob);
  // Relative patterns may start at any folder boundary; rooted ones only at the root.
  const start = rooted ? '^/' : '^(?:.*/)?';
  return new RegExp(`${start}${body}$`, 'i');
}

function translate(glob: string): string {
  let out = '';
  let i = 0;
  while (i < glob.length) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      const slashAfter = glob[i + 2] === '/';
      const atSegmentStart = i === 0 || glob[i - 1] === '/';
      if (atSegmentStart && slashAfter) {
        out += '(?:.*/)?'; // `**/`: zero or more folders
        i += 3;
      } else if (atSegmentStart && i + 2 === glob.length) {
        out += '.*'; // trailing `**`: everything below
        i += 2;
      } else {
        out += '[^/]*'; // `**` inside a segment is just `*`
        i += 2;
      }
    } else if (char === '*') {
      out += '[^/]*';
      i += 1;
    } else if (char === '?') {
      out += '[^/]';
      i += 1;
    } else if (char === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        i += 1;
        continue;
      }
      const inner = glob.slice(i + 1, close);
      const negated = inner.startsWith('!') || inner.startsWith('^');
      const members = (negated ? inner.slice(1) : inner).replace(/[\\\]^]/g, '\\$&');
      out += negated ? `[^/${members}]` : `[${members}]`;
      i = close + 1;
    } else if (char === '{') {
      const close = glob.indexOf('}', i + 1);
      if (close === -1) {
        out += '\\{';
        i += 1;
        continue;
      }
      const options = glob
        .slice(i + 1, close)
        .split(',')
        .map(translate);
      out += `(?:${options.join('|')})`;
      i = close + 1;
    } else {
      out += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  return out;
}
