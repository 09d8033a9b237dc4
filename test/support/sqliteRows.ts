/** Reads what a Tandem SQLite file holds through a read-only handle of its own, closed at once. */
import Database from 'better-sqlite3';

/** Rows in `table` of the database at `file`. */
export function countRows(file: string, table: 'requests' | 'answers'): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
