import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IndicatorIntelDraft } from '../../../../../functions/ingest/intel-draft.ts';
import { InvalidFeedDocument } from '../../../../../functions/ingest/invalid-feed-document.ts';
import { BLOCKLIST_SOURCE, parseBlocklist, parsePlainList, plainListLineValue } from '../../../../../functions/ingest/sources/blocklist/plain-list.ts';
import { indicatorId } from '../../../../../functions/model/indicator.ts';
import { annotatedList, fireholIpset, hostsFile } from './fixtures.ts';
import { anyText, context, lineMutation, mutateLines, parsesOrRefuses } from './parser-properties.ts';

const ctx = context(BLOCKLIST_SOURCE);
const summary = (drafts: unknown[]) => (drafts as IndicatorIntelDraft[]).map((draft) => `${draft.facts.type} ${draft.facts.value}`);

describe('parsePlainList', () => {
  it('detects what each line is and normalises it', () => {
    const parsed = parseBlocklist(
      [
        '198.51.100.7',
        '2001:DB8:0:0:0:0:0:1',
        '203.0.113.0/24',
        '203.0.113.9/32',
        'Malware-C2.TEST.',
        'HTTP://Payload.Malware-C2.test/Bins/X86',
        'D41D8CD98F00B204E9800998ECF8427E',
        'phish@malware-c2.test',
      ].join('\n'),
      ctx,
    );

    expect(parsed.rejected).toEqual([]);
    expect(summary(parsed.drafts)).toEqual([
      'ipv4 198.51.100.7',
      'ipv6 2001:db8::1',
      'cidr 203.0.113.0/24',
      'ipv4 203.0.113.9',
      'domain malware-c2.test',
      'url http://payload.malware-c2.test/Bins/X86',
      'md5 d41d8cd98f00b204e9800998ecf8427e',
      'email phish@malware-c2.test',
    ]);
    expect(parsed.drafts[0]).toEqual({
      kind: 'indicator',
      id: indicatorId('ipv4', '198.51.100.7'),
      facts: { type: 'ipv4', value: '198.51.100.7', confidence: 50, firstSeen: ctx.now, tags: [], campaigns: [], targetedSectors: [], targetedRegions: [] },
    });
  });

  it('applies the defaults a source gives, keeping the ingest time as first sighting unless it gives one', () => {
    const parsed = parsePlainList('198.51.100.7\n198.51.100.8:8443\n', ctx, { confidence: 90, threatType: 'botnet_cc', malwareFamily: 'QakBot', tags: ['feodo'] });

    expect(parsed.drafts.map((draft) => draft.facts)).toEqual([
      { type: 'ipv4', value: '198.51.100.7', confidence: 90, threatType: 'botnet_cc', malwareFamily: 'QakBot', tags: ['feodo'], firstSeen: ctx.now, campaigns: [], targetedSectors: [], targetedRegions: [] },
      { type: 'ipv4', value: '198.51.100.8', confidence: 90, threatType: 'botnet_cc', malwareFamily: 'QakBot', tags: ['feodo', 'port:8443'], firstSeen: ctx.now, campaigns: [], targetedSectors: [], targetedRegions: [] },
    ]);
    expect(parsePlainList('198.51.100.7', ctx, { firstSeen: '2025-07-19T00:00:00.000Z' }).drafts[0]?.facts).toMatchObject({ firstSeen: '2025-07-19T00:00:00.000Z' });
  });

  it('skips comments, blank lines and the hosts-file preamble, and reads notes after an entry as comments', () => {
    expect(summary(parseBlocklist(hostsFile(['malware-c2.test', '198.51.100.7']), ctx).drafts)).toEqual(['domain malware-c2.test', 'ipv4 198.51.100.7']);
    expect(summary(parseBlocklist(annotatedList([['203.0.113.0/24', 'SBL123456'], ['198.51.100.0/25', 'SBL654321']]), ctx).drafts)).toEqual([
      'cidr 203.0.113.0/24',
      'cidr 198.51.100.0/25',
    ]);
    expect(plainListLineValue('  # 198.51.100.7')).toEqual({ kind: 'none' });
    expect(plainListLineValue('198.51.100.7 # seen 2025-07-19')).toEqual({ kind: 'value', text: '198.51.100.7' });
    // A URL fragment is not a comment: only `#` after a space is.
    expect(plainListLineValue('http://malware-c2.test/#x')).toEqual({ kind: 'value', text: 'http://malware-c2.test/#x' });
  });

  it('rejects a line that is no indicator as `line N` and goes on', () => {
    const parsed = parseBlocklist(['# banner', '198.51.100.7', '999.1.1.1', 'two values', '', 'malware-c2.test'].join('\n'), ctx);

    expect(summary(parsed.drafts)).toEqual(['ipv4 198.51.100.7', 'domain malware-c2.test']);
    expect(parsed.rejected).toEqual([
      { position: 'line 3', record: 'line 3', reason: 'line 3: "999.1.1.1" is not a domain name', payload: '999.1.1.1' },
      { position: 'line 4', record: 'line 4', reason: 'line 4: expected one value, found "two values"', payload: 'two values' },
    ]);
  });

  it('merges a value listed twice into one draft', () => {
    const parsed = parseBlocklist('Malware-C2.test\nmalware-c2.test.\n198.51.100.7:80\n198.51.100.7:443\n', ctx);

    expect(parsed.rejected).toEqual([]);
    expect(summary(parsed.drafts)).toEqual(['domain malware-c2.test', 'ipv4 198.51.100.7']);
    expect(parsed.drafts[1]?.facts).toMatchObject({ tags: ['port:80', 'port:443'] });
  });

  it('is complete only when a FireHOL entry count agrees with what was read', () => {
    const addresses = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
    const whole = parseBlocklist(fireholIpset(addresses), ctx);
    expect(whole.complete).toBe(true);
    expect(whole.version).toBe('2025-07-19T12:11:28.000Z');
    // Cut off in transit: the banner promised more than arrived.
    expect(parseBlocklist(fireholIpset(addresses.slice(0, 2), { declaredEntries: 3 }), ctx).complete).toBeUndefined();
    expect(parseBlocklist(fireholIpset([...addresses, 'garbage!']), ctx).complete).toBeUndefined();
    expect(parseBlocklist(addresses.join('\n'), ctx).complete).toBeUndefined();
  });

  it('refuses an HTML page and a payload in which no line is an indicator; a list of comments is empty', () => {
    expect(() => parseBlocklist('<!DOCTYPE html><html><body>502 Bad Gateway</body></html>', ctx)).toThrow('blocklist: an HTML or XML page, not a plain list');
    expect(() => parseBlocklist('{"error": "rate limited"}\n', ctx)).toThrow(InvalidFeedDocument);
    expect(() => parseBlocklist('no such list\n', ctx)).toThrow('blocklist: not a plain list: none of its 1 entries is an indicator (line 1: expected one value, found "no such list")');
    expect(parseBlocklist('# nothing listed today\n\n', ctx)).toEqual({ drafts: [], rejected: [] });
    expect(parseBlocklist('', ctx)).toEqual({ drafts: [], rejected: [] });
  });

  it('gives a ParsedIntel or throws InvalidFeedDocument for random text and mutated lists', () => {
    fc.assert(fc.property(anyText, (payload) => void parsesOrRefuses(parseBlocklist, payload, BLOCKLIST_SOURCE)));
    const list = fireholIpset(['198.51.100.1', '198.51.100.2', '203.0.113.0/24', 'malware-c2.test', 'http://malware-c2.test/x']);
    fc.assert(fc.property(fc.array(lineMutation, { maxLength: 6 }), (mutations) => void parsesOrRefuses(parseBlocklist, mutateLines(list, mutations), BLOCKLIST_SOURCE)));
  });
});
