// Prints the README's settings table from package.json `contributes.configuration`, so the
// table never drifts from what VS Code shows (test/unit/readme.test.ts checks every key is there).
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const sections = [manifest.contributes.configuration].flat();
console.log('| setting | default | description |\n| --- | --- | --- |');
for (const section of sections) {
  for (const [key, spec] of Object.entries(section.properties)) {
    const text = (spec.markdownDescription ?? spec.description ?? '').replace(/\n+/g, ' ').replace(/\|/g, '\\|');
    const firstSentence = text.split(/(?<!e\.g\.)(?<=\.)\s+(?=[A-Z`])/)[0];
    const values = spec.enum ? ` One of ${spec.enum.map((v) => `\`${v}\``).join(', ')}.` : '';
    console.log(`| \`${key}\` | \`${JSON.stringify(spec.default)}\` | ${firstSentence}${values} |`);
  }
}
