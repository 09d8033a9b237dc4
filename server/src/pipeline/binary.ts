/**
 * Refuses text that is not source code: a NUL byte, or a high share of control characters
 * (and U+FFFD replacement characters, which is what binary bytes become when decoded as UTF-8).
 * Sending such text to a model wastes a generation and returns garbage.
 */

/** Share of suspicious characters above which a sample counts as binary. */
const MAX_SUSPICIOUS_RATIO = 0.1;

export function looksBinary(sample: string): boolean {
  if (sample.length === 0) return false;
  let suspicious = 0;
  for (let i = 0; i < sample.length; i++) {
    const code = sample.charCodeAt(i);
    if (code === 0) return true;
    if (isSuspicious(code)) suspicious++;
  }
  return suspicious / sample.length > MAX_SUSPICIOUS_RATIO;
}

function isSuspicious(code: number): boolean {
  // Tab, line feed, vertical tab, form feed and carriage return are ordinary in source files.
  if (code === 0x09 || code === 0x0a || code === 0x0b || code === 0x0c || code === 0x0d) return false;
  // ESC appears in ANSI-coloured logs that users legitimately open; count it as text.
  if (code === 0x1b) return false;
  return code < 0x20 || code === 0x7f || code === 0xfffd;
}
