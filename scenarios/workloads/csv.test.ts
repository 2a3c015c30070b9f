import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvObjects } from './csv.ts';

describe('parseCsv', () => {
  it('keeps commas inside quoted fields', () => {
    expect(parseCsv('1,"Allen, Miss. Elisabeth Walton",female\n')).toEqual([
      ['1', 'Allen, Miss. Elisabeth Walton', 'female'],
    ]);
  });

  it('turns doubled quotes into one quote', () => {
    expect(parseCsv('"Ali, Mr. ""Big"" William",x')).toEqual([['Ali, Mr. "Big" William', 'x']]);
    expect(parseCsv('""""')).toEqual([['"']]);
  });

  it('handles empty fields, CRLF line ends and line breaks inside quotes', () => {
    expect(parseCsv('a,,c\r\n"multi\nline",2,\r\n')).toEqual([
      ['a', '', 'c'],
      ['multi\nline', '2', ''],
    ]);
  });

  it('does not invent a record for a trailing line break, but keeps a last line without one', () => {
    expect(parseCsv('a\nb\n')).toEqual([['a'], ['b']]);
    expect(parseCsv('a\nb')).toEqual([['a'], ['b']]);
  });

  it('rejects a file that ends inside a quoted field', () => {
    expect(() => parseCsv('a,"unterminated\n')).toThrow(SyntaxError);
  });
});

describe('parseCsvObjects', () => {
  it('keys fields by the header, skipping blank lines and a byte-order mark', () => {
    const { header, rows } = parseCsvObjects('\uFEFFName,Age\n"Doe, Mr. John",\n\nSmith,3\n');
    expect(header).toEqual(['Name', 'Age']);
    expect(rows).toEqual([
      { Name: 'Doe, Mr. John', Age: '' },
      { Name: 'Smith', Age: '3' },
    ]);
  });
});
