/**
 * The chat prompt for explanations, from Markdown templates in prompts/ (system.md, user.md)
 * so they can be read and tuned without touching code. They are read at run time next to the
 * running script: the build copies them to dist/prompts/. `{{name}}` placeholders are filled
 * in a single pass, so code that contains `{{language}}` is never substituted itself.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChatMessage } from '../backends/backend';

export const DEFAULT_PROMPTS_DIR = path.join(__dirname, 'prompts');

export class PromptTemplateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PromptTemplateError';
  }
}

export interface ExplainPromptInput {
  language: string;
  code: string;
  /** The selection was cut to the input limit. */
  truncated: boolean;
}

export class ExplainPrompts {
  private readonly templates = new Map<string, string>();

  constructor(private readonly dir: string = DEFAULT_PROMPTS_DIR) {}

  messages(input: ExplainPromptInput): ChatMessage[] {
    const vars = {
      language: input.language,
      code: input.code,
      fence: fenceFor(input.code),
      truncation: input.truncated ? ' (the selection was cut short; explain the part shown)' : '',
    };
    return [
      { role: 'system', content: render(this.template('system.md'), vars) },
      { role: 'user', content: render(this.template('user.md'), vars) },
    ];
  }

  private template(name: string): string {
    let text = this.templates.get(name);
    if (text === undefined) {
      const file = path.join(this.dir, name);
      try {
        text = readFileSync(file, 'utf8').trimEnd();
      } catch (error) {
        throw new PromptTemplateError(`The explain prompt template ${file} could not be read; reinstall Tandem.`, { cause: error });
      }
      this.templates.set(name, text);
    }
    return text;
  }
}

export function render(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (match, name: string) => vars[name] ?? match);
}

/** A Markdown fence longer than any backtick run in the code, so the code cannot close it. */
export function fenceFor(code: string): string {
  let longest = 0;
  for (const run of code.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}
