/** Small DOM builders. Text always goes through textContent: the page never parses HTML strings. */

export interface ElementOptions {
  className?: string;
  text?: string;
  id?: string;
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.id) element.id = options.id;
  if (options.className) element.className = options.className;
  if (options.text !== undefined) element.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

export function option(value: string, label: string): HTMLOptionElement {
  const element = el('option', { text: label });
  element.value = value;
  return element;
}

/** A labelled select; `onChange` gets the chosen value. */
export function select(
  id: string,
  label: string,
  options: HTMLOptionElement[],
  onChange: (value: string) => void,
): { wrapper: HTMLLabelElement; select: HTMLSelectElement } {
  const element = el('select', { id }, ...options);
  element.addEventListener('change', () => onChange(element.value));
  const wrapper = el('label', { className: 'filter', attrs: { for: id } }, el('span', { text: label }), element);
  return { wrapper, select: element };
}
