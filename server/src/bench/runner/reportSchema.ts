/** report.schema.json, and a check of a parsed report against it. */
import schemaJson from './report.schema.json';
import { checkSchema, type SchemaNode } from './schemaCheck';

export const REPORT_JSON_SCHEMA = schemaJson as SchemaNode;

export function reportProblems(report: unknown): string[] {
  return checkSchema(report, REPORT_JSON_SCHEMA);
}
