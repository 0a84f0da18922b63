import { StrataError } from '../../core/index.js';

/** A parsed CSV file: header names and data rows (each row as long as the header). */
export interface CsvTable {
  header: string[];
  rows: { line: number; values: string[] }[];
}

/*
 * RFC 4180 parsing: fields separated by commas, records by CRLF or LF (or a lone CR, which old
 * Mac exports still produce); a quoted field may hold commas, newlines and `""` for a quote.
 * Being strict about a few things is what makes a bad export visible instead of silently
 * shifting columns: an unterminated quote, text after a closing quote, or a row whose field
 * count differs from the header's all reject the file with the line number.
 */
export function parseCsv(input: string): CsvTable {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: { line: number; values: string[] }[] = [];
  let values: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let fieldStarted = false;

  const endField = (): void => {
    values.push(field);
    field = '';
    fieldStarted = false;
  };
  const endRecord = (): void => {
    endField();
    // a line with nothing on it (often the last one) is not a record
    if (!(values.length === 1 && values[0] === '')) records.push({ line: recordLine, values });
    values = [];
  };

  while (i < text.length) {
    const c = text[i];
    if (c === '"' && !fieldStarted && field.length === 0) {
      // quoted field: runs to the next quote not followed by another quote
      const startLine = line;
      i++;
      for (;;) {
        if (i >= text.length) {
          throw new StrataError('invalid_request', `Unterminated quoted field starting on line ${startLine}.`);
        }
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      fieldStarted = true;
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new StrataError('invalid_request', `Unexpected text after a closing quote on line ${line}.`);
      }
      continue;
    }
    if (c === ',') {
      endField();
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  if (field.length > 0 || fieldStarted || values.length > 0) endRecord();

  const [first, ...rest] = records;
  if (first === undefined) throw new StrataError('invalid_request', 'The CSV file is empty (no header row).');
  const header = uniqueHeader(first.values.map((h) => h.trim()));
  for (const row of rest) {
    if (row.values.length !== header.length) {
      throw new StrataError(
        'invalid_request',
        `Row on line ${row.line} has ${row.values.length} fields; the header has ${header.length}.`,
      );
    }
  }
  return { header, rows: rest };
}

/** Names blank columns `column_N` and suffixes repeats (`name_2`) so that every field is addressable. */
function uniqueHeader(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((raw, idx) => {
    const base = raw.length > 0 ? raw : `column_${idx + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  });
}
