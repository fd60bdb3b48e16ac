import { describe, expect, it } from 'vitest';
import { splitCsvLine } from '../../../../../functions/ingest/sources/urlhaus/quoted-csv-line.ts';

describe('splitCsvLine', () => {
  it('splits quoted and unquoted fields, with doubled quotes and commas inside quotes', () => {
    expect(splitCsvLine('"1","a,b","say ""hi""",plain,,""')).toEqual({ ok: true, fields: ['1', 'a,b', 'say "hi"', 'plain', '', ''] });
    expect(splitCsvLine('')).toEqual({ ok: true, fields: [''] });
    expect(splitCsvLine('"x",')).toEqual({ ok: true, fields: ['x', ''] });
  });

  it('says what is wrong with a broken line', () => {
    expect(splitCsvLine('"1","open')).toEqual({ ok: false, reason: 'a quoted field (column 2) is not closed' });
    expect(splitCsvLine('"1"x,"2"')).toEqual({ ok: false, reason: 'text after the closing quote of field 1' });
    expect(splitCsvLine('1,a"b')).toEqual({ ok: false, reason: 'a quote inside the unquoted field 2' });
  });
});
