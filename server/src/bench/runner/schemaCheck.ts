/**
 * A small JSON Schema checker for the keywords report.schema.json uses (type, properties,
 * required, additionalProperties, items, enum, const, oneOf, minimum, $ref to #/$defs/…), so
 * `--compare` can refuse a file that is not a bench report and a test can check real reports,
 * without a validator dependency. Returns the problems found, as "path: what" lines.
 */
export interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  enum?: unknown[];
  const?: unknown;
  oneOf?: SchemaNode[];
  minimum?: number;
  $ref?: string;
  $defs?: Record<string, SchemaNode>;
}

export function checkSchema(value: unknown, schema: SchemaNode): string[] {
  const problems: string[] = [];
  visit(value, schema, '$', schema, problems);
  return problems;
}

function visit(value: unknown, node: SchemaNode, path: string, root: SchemaNode, problems: string[]): void {
  if (node.$ref) {
    const name = node.$ref.replace(/^#\/\$defs\//, '');
    const target = root.$defs?.[name];
    if (!target) {
      problems.push(`${path}: unknown $ref ${node.$ref}`);
      return;
    }
    visit(value, target, path, root, problems);
    return;
  }
  if (node.oneOf) {
    const matches = node.oneOf.filter((option) => checkAt(value, option, path, root).length === 0).length;
    if (matches !== 1) problems.push(`${path}: matches ${matches} of the oneOf options, not exactly 1`);
    return;
  }
  if ('const' in node && value !== node.const) problems.push(`${path}: must be ${JSON.stringify(node.const)}`);
  if (node.enum && !node.enum.includes(value))
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(node.enum)}`);
  if (node.type !== undefined) {
    const types = Array.isArray(node.type) ? node.type : [node.type];
    if (!types.some((type) => hasType(value, type))) {
      problems.push(
        `${path}: expected ${types.join(' or ')}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`,
      );
      return;
    }
  }
  if (typeof value === 'number' && node.minimum !== undefined && value < node.minimum)
    problems.push(`${path}: ${value} < minimum ${node.minimum}`);
  if (Array.isArray(value) && node.items)
    value.forEach((item, i) => visit(item, node.items as SchemaNode, `${path}[${i}]`, root, problems));
  if (isObject(value)) {
    for (const key of node.required ?? []) if (!(key in value)) problems.push(`${path}: missing "${key}"`);
    for (const [key, child] of Object.entries(value)) {
      const property = node.properties?.[key];
      if (property) visit(child, property, `${path}.${key}`, root, problems);
      else if (node.additionalProperties === false) problems.push(`${path}: unexpected "${key}"`);
      else if (typeof node.additionalProperties === 'object') visit(child, node.additionalProperties, `${path}.${key}`, root, problems);
    }
  }
}

function checkAt(value: unknown, node: SchemaNode, path: string, root: SchemaNode): string[] {
  const problems: string[] = [];
  visit(value, node, path, root, problems);
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
