import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetailType, EVENT_SOURCE, EVENT_VERSION, ExposureDetectedSchema, IntelChangedSchema } from '../../../functions/model/events.ts';
import {
  compileEventPattern,
  InvalidEventPattern,
  matchesEventPattern,
  validateEventPattern,
  type EventPattern,
} from '../../../functions/routing/event-pattern.ts';
import { EventPatterns } from '../../../functions/routing/rules.ts';

// Behaviours cited from the Amazon EventBridge User Guide pages "Creating Amazon EventBridge event patterns"
// (eb-event-patterns), "Content filtering in Amazon EventBridge event patterns"
// (eb-event-patterns-content-based-filtering), "Comparison operators for use in event patterns"
// (eb-create-pattern-operators), "Arrays in Amazon EventBridge event patterns" (eb-event-patterns-arrays),
// "Matching events on null values and empty strings" (eb-event-patterns-null-values), and where the guide is
// silent from the aws/event-ruler README and compiler (the matcher EventBridge uses).

const matches = (pattern: EventPattern, event: unknown) => matchesEventPattern(pattern, event);

function rejection(pattern: unknown): InvalidEventPattern {
  try {
    validateEventPattern(pattern);
  } catch (error) {
    if (error instanceof InvalidEventPattern) return error;
    throw error;
  }
  throw new Error(`pattern was accepted: ${JSON.stringify(pattern)}`);
}

/** The EC2 event the guide uses in eb-event-patterns. */
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

/** The event-ruler README example event, which its numeric/cidr examples are written against. */
const rulerEvent = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', 'instance-id': 'i-000000aaaaaa00000', state: 'running' },
};

const withDetail = (detail: unknown) => ({ ...ec2Event, detail });

describe('matching structure (eb-event-patterns)', () => {
  it('matches the guide example: every field named in the pattern must match, others are ignored', () => {
    const pattern = { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } };
    expect(matches(pattern, ec2Event)).toBe(true);
    expect(matches(pattern, withDetail({ state: 'running' }))).toBe(false);
    expect(matches(pattern, { ...ec2Event, source: 'aws.s3' })).toBe(false);
  });

  it('ORs the values listed for one field', () => {
    const pattern = { detail: { state: ['initializing', 'running', 'terminated'] } };
    expect(matches(pattern, ec2Event)).toBe(true);
    expect(matches(pattern, withDetail({ state: 'stopped' }))).toBe(false);
  });

  it('does not match when a field the pattern names is missing from the event', () => {
    expect(matches({ detail: { reason: ['x'] } }, ec2Event)).toBe(false);
    expect(matches({ detail: { state: ['terminated'] } }, { source: 'aws.ec2' })).toBe(false);
  });

  it('compares values with their JSON types: strings, numbers, booleans and null are distinct', () => {
    const event = withDetail({ count: 5, text: '5', flag: true, word: 'true', nothing: null, empty: '' });
    expect(matches({ detail: { count: [5] } }, event)).toBe(true);
    expect(matches({ detail: { count: ['5'] } }, event)).toBe(false);
    expect(matches({ detail: { text: [5] } }, event)).toBe(false);
    expect(matches({ detail: { flag: [true] } }, event)).toBe(true);
    expect(matches({ detail: { flag: ['true'] } }, event)).toBe(false);
    expect(matches({ detail: { word: [true] } }, event)).toBe(false);
    expect(matches({ detail: { count: [5.0] } }, event)).toBe(true);
  });

  it('matches null and empty strings, which are not interchangeable (eb-event-patterns-null-values)', () => {
    const event = withDetail({ eventVersion: '', responseElements: null });
    expect(matches({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matches({ detail: { responseElements: [null] } }, event)).toBe(true);
    expect(matches({ detail: { responseElements: [''] } }, event)).toBe(false);
    expect(matches({ detail: { eventVersion: [null] } }, event)).toBe(false);
  });

  it('matches an event array when it shares any value with the pattern array (eb-event-patterns-arrays)', () => {
    const pattern = {
      resources: [
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
        'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
      ],
    };
    const event = {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    };
    expect(matches(pattern, event)).toBe(true);
    expect(matches(pattern, { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] })).toBe(false);
    expect(matches(pattern, { resources: [] })).toBe(false);
  });

  it('looks through arrays of objects, but never combines fields from different elements (event-ruler README)', () => {
    const event = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };
    expect(matches({ employees: { firstName: ['Anna'] } }, event)).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, event)).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, event)).toBe(false);
    const nested = { employees: [[{ firstName: 'John' }, { firstName: 'Anna' }], [{ firstName: 'Peter' }]] };
    expect(matches({ employees: { firstName: ['Peter'] } }, nested)).toBe(true);
  });

  it('matches nested objects level by level and does not treat an object as a leaf value', () => {
    const event = withDetail({ finding: { severity: { label: 'CRITICAL' } } });
    expect(matches({ detail: { finding: { severity: { label: ['CRITICAL'] } } } }, event)).toBe(true);
    expect(matches({ detail: { finding: { severity: { label: ['LOW'] } } } }, event)).toBe(false);
    expect(matches({ detail: { finding: ['CRITICAL'] } }, event)).toBe(false);
    expect(matches({ detail: { finding: { severity: { label: ['CRITICAL'] } } } }, withDetail({ finding: 'CRITICAL' }))).toBe(false);
  });

  it('reads only the event’s own fields, not inherited ones', () => {
    expect(matches({ detail: { toString: [{ exists: true }] } }, withDetail({}))).toBe(false);
    expect(matches({ detail: { constructor: [{ exists: false }] } }, withDetail({}))).toBe(true);
  });
});

describe('prefix and suffix', () => {
  it('matches the guide prefix example on time, and only on strings', () => {
    const pattern = { time: [{ prefix: '2017-10-02' }] };
    expect(matches(pattern, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matches(pattern, { time: '2017-10-03T18:43:48Z' })).toBe(false);
    expect(matches({ detail: { n: [{ prefix: '12' }] } }, withDetail({ n: 123 }))).toBe(false);
  });

  it('matches a prefix regardless of case with {"prefix": {"equals-ignore-case": ...}}', () => {
    const pattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    for (const service of ['EventBridge', 'EVENTBRIDGE', 'eventbus']) expect(matches(pattern, withDetail({ service }))).toBe(true);
    expect(matches(pattern, withDetail({ service: 'SNS' }))).toBe(false);
    expect(matches({ detail: { service: [{ prefix: 'EventB' }] } }, withDetail({ service: 'eventbridge' }))).toBe(false);
  });

  it('matches a suffix, with and without case, as in the FileName examples', () => {
    expect(matches({ detail: { FileName: [{ suffix: '.png' }] } }, withDetail({ FileName: 'logo.png' }))).toBe(true);
    expect(matches({ detail: { FileName: [{ suffix: '.png' }] } }, withDetail({ FileName: 'logo.PNG' }))).toBe(false);
    expect(matches({ detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, withDetail({ FileName: 'logo.PNG' }))).toBe(true);
    expect(matches({ detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, withDetail({ FileName: 'logo.jpg' }))).toBe(false);
  });

  it('refuses prefix/suffix operands that are not strings or the ignore-case form', () => {
    expect(rejection({ time: [{ prefix: 2017 }] }).message).toMatch(/prefix match pattern must be a string/);
    expect(rejection({ time: [{ suffix: { wildcard: 'x' } }] }).message).toMatch(/unsupported suffix pattern/);
    expect(rejection({ time: [{ prefix: { 'equals-ignore-case': 1 } }] }).message).toMatch(/equals-ignore-case match pattern must be a string/);
  });
});

describe('equals-ignore-case', () => {
  it('matches "Alice" for "alice" and nothing that is not a string', () => {
    const pattern = { detail: { Name: [{ 'equals-ignore-case': 'alice' }] } };
    expect(matches(pattern, withDetail({ Name: 'Alice' }))).toBe(true);
    expect(matches(pattern, withDetail({ Name: 'ALICE' }))).toBe(true);
    expect(matches(pattern, withDetail({ Name: 'Alicia' }))).toBe(false);
    expect(matches({ detail: { n: [{ 'equals-ignore-case': '1' }] } }, withDetail({ n: 1 }))).toBe(false);
  });
});

describe('wildcard', () => {
  it('matches "*" as any run of characters, including none (event-ruler README "Simple*Service")', () => {
    const pattern = { source: [{ wildcard: 'Simple*Service' }] };
    expect(matches(pattern, { source: 'SimpleQueueService' })).toBe(true);
    expect(matches(pattern, { source: 'SimpleService' })).toBe(true);
    expect(matches(pattern, { source: 'SimpleQueueServices' })).toBe(false);
  });

  it('matches the guide examples: files with a .png extension in "dir", paths including /lib/', () => {
    expect(matches({ detail: { FilePath: [{ wildcard: 'dir/*.png' }] } }, withDetail({ FilePath: 'dir/logo.png' }))).toBe(true);
    expect(matches({ detail: { FilePath: [{ wildcard: 'dir/*.png' }] } }, withDetail({ FilePath: 'other/logo.png' }))).toBe(false);
    expect(matches({ detail: { FilePath: [{ wildcard: '*/lib/*' }] } }, withDetail({ FilePath: '/usr/lib/libc.so' }))).toBe(true);
    expect(matches({ detail: { FilePath: [{ wildcard: '*/lib/*' }] } }, withDetail({ FilePath: '/usr/bin/env' }))).toBe(false);
  });

  it('treats \\* as a literal asterisk and \\\\ as a literal backslash', () => {
    expect(matches({ detail: { v: [{ wildcard: 'a\\*b' }] } }, withDetail({ v: 'a*b' }))).toBe(true);
    expect(matches({ detail: { v: [{ wildcard: 'a\\*b' }] } }, withDetail({ v: 'axb' }))).toBe(false);
    expect(matches({ detail: { v: [{ wildcard: 'C:\\\\*' }] } }, withDetail({ v: 'C:\\Windows' }))).toBe(true);
    expect(matches({ detail: { v: [{ wildcard: '\\**' }] } }, withDetail({ v: '*anything' }))).toBe(true);
  });

  it('does not let the start and end of a pattern overlap', () => {
    expect(matches({ detail: { v: [{ wildcard: 'ab*ba' }] } }, withDetail({ v: 'aba' }))).toBe(false);
    expect(matches({ detail: { v: [{ wildcard: 'ab*ba' }] } }, withDetail({ v: 'abba' }))).toBe(true);
    expect(matches({ detail: { v: [{ wildcard: 'a*b*b' }] } }, withDetail({ v: 'ab' }))).toBe(false);
    expect(matches({ detail: { v: [{ wildcard: 'a*b*b' }] } }, withDetail({ v: 'abb' }))).toBe(true);
  });

  it('refuses consecutive wildcards and escapes of anything but * and \\', () => {
    expect(rejection({ v: [{ wildcard: 'a**b' }] }).message).toMatch(/consecutive wildcard characters at position 2/);
    expect(rejection({ v: [{ wildcard: 'a\\b' }] }).message).toMatch(/invalid escape at position 1/);
    expect(rejection({ v: [{ wildcard: 'ends\\' }] }).message).toMatch(/invalid escape/);
    expect(rejection({ v: [{ wildcard: ['a*'] }] }).message).toMatch(/wildcard match pattern must be a string/);
  });
});

describe('anything-but', () => {
  it('matches any value except a string or a number (guide examples)', () => {
    expect(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({ state: 'running' }))).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({ state: 'initializing' }))).toBe(false);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, withDetail({ 'x-limit': 124 }))).toBe(true);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, withDetail({ 'x-limit': 123 }))).toBe(false);
  });

  it('excludes every value of a list of strings or of numbers', () => {
    const states = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(matches(states, withDetail({ state: 'running' }))).toBe(true);
    expect(matches(states, withDetail({ state: 'overloaded' }))).toBe(false);
    const limits = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matches(limits, withDetail({ 'x-limit': 150 }))).toBe(true);
    expect(matches(limits, withDetail({ 'x-limit': 200 }))).toBe(false);
  });

  it('excludes prefixes and suffixes ("Region is not in the US", "does not end with .png")', () => {
    const notUs = { detail: { Region: [{ 'anything-but': { prefix: 'us-' } }] } };
    expect(matches(notUs, withDetail({ Region: 'eu-west-1' }))).toBe(true);
    expect(matches(notUs, withDetail({ Region: 'us-east-1' }))).toBe(false);
    const notPng = { detail: { FileName: [{ 'anything-but': { suffix: '.png' } }] } };
    expect(matches(notPng, withDetail({ FileName: 'a.jpg' }))).toBe(true);
    expect(matches(notPng, withDetail({ FileName: 'a.png' }))).toBe(false);
    expect(matches({ source: [{ 'anything-but': { prefix: ['aws.', 'custom.'] } }] }, { source: 'custom.app' })).toBe(false);
  });

  it('excludes regardless of case, one value or a list', () => {
    const pattern = { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } };
    expect(matches(pattern, withDetail({ state: 'INITIALIZING' }))).toBe(false);
    expect(matches(pattern, withDetail({ state: 'running' }))).toBe(true);
    const list = { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OVERLOADED'] } }] } };
    expect(matches(list, withDetail({ state: 'overloaded' }))).toBe(false);
    expect(matches(list, withDetail({ state: 'pending' }))).toBe(true);
  });

  it('excludes wildcard matches ("FileName is not a file path that includes /lib/")', () => {
    const pattern = { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } };
    expect(matches(pattern, withDetail({ FilePath: '/usr/lib/x' }))).toBe(false);
    expect(matches(pattern, withDetail({ FilePath: '/usr/bin/x' }))).toBe(true);
  });

  it('needs the field to be there, and lets values of another type through', () => {
    const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    expect(matches(pattern, withDetail({}))).toBe(false);
    expect(matches(pattern, withDetail({ state: 5 }))).toBe(true);
    expect(matches(pattern, withDetail({ state: null }))).toBe(true);
    expect(matches({ detail: { n: [{ 'anything-but': 5 }] } }, withDetail({ n: '5' }))).toBe(true);
    expect(matches({ detail: { n: [{ 'anything-but': { prefix: 'in' } }] } }, withDetail({ n: 42 }))).toBe(true);
  });

  it('matches an event array when any element is not excluded', () => {
    const pattern = { detail: { states: [{ 'anything-but': 'stopped' }] } };
    expect(matches(pattern, withDetail({ states: ['stopped', 'running'] }))).toBe(true);
    expect(matches(pattern, withDetail({ states: ['stopped'] }))).toBe(false);
  });

  it('refuses mixed lists, empty lists, booleans, null, empty prefixes and other nested operators', () => {
    expect(rejection({ s: [{ 'anything-but': ['a', 1] }] }).message).toMatch(/all strings or all numbers/);
    expect(rejection({ s: [{ 'anything-but': [] }] }).message).toMatch(/must not be empty/);
    expect(rejection({ s: [{ 'anything-but': true }] }).message).toMatch(/strings or numbers/);
    expect(rejection({ s: [{ 'anything-but': null }] }).message).toMatch(/strings or numbers/);
    expect(rejection({ s: [{ 'anything-but': { prefix: '' } }] }).message).toMatch(/must not be empty/);
    expect(rejection({ s: [{ 'anything-but': { numeric: ['>', 1] } }] }).message).toMatch(/unsupported anything-but pattern "numeric"/);
    expect(rejection({ s: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] }).message).toMatch(/exactly one of/);
    expect(rejection({ s: [{ 'anything-but': { 'equals-ignore-case': [1] } }] }).message).toMatch(/must be strings/);
  });
});

describe('numeric', () => {
  it('matches the guide example, which is true for all fields of the event-ruler example event', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    expect(matches(pattern, rulerEvent)).toBe(true);
    expect(matches(pattern, { ...rulerEvent, detail: { ...rulerEvent.detail, 'c-count': 6 } })).toBe(false);
    expect(matches(pattern, { ...rulerEvent, detail: { ...rulerEvent.detail, 'x-limit': 301.9 } })).toBe(false);
  });

  it('honours open and closed bounds', () => {
    const range = { detail: { n: [{ numeric: ['>', 0, '<=', 5] }] } };
    expect([0, 0.000001, 5, 5.000001].map((n) => matches(range, withDetail({ n })))).toEqual([false, true, true, false]);
    const closed = { detail: { n: [{ numeric: ['>=', 0, '<', 5] }] } };
    expect([0, 5].map((n) => matches(closed, withDetail({ n })))).toEqual([true, false]);
    expect(matches({ detail: { n: [{ numeric: ['>=', 7] }] } }, withDetail({ n: 7 }))).toBe(true);
    expect(matches({ detail: { n: [{ numeric: ['<=', 7] }] } }, withDetail({ n: 7.5 }))).toBe(false);
  });

  it('only works with JSON numbers, inside -5e9..5e9', () => {
    const pattern = { detail: { n: [{ numeric: ['>', 0] }] } };
    expect(matches(pattern, withDetail({ n: '5' }))).toBe(false);
    expect(matches(pattern, withDetail({ n: true }))).toBe(false);
    expect(matches(pattern, withDetail({ n: 6e9 }))).toBe(false);
    expect(matches(pattern, withDetail({ n: [0, 3] }))).toBe(true);
  });

  it('refuses malformed ranges with a reason', () => {
    expect(rejection({ n: [{ numeric: ['<', 10, '>', 0] }] }).message).toMatch(/lower bound/);
    expect(rejection({ n: [{ numeric: ['>', 5, '<', 1] }] }).message).toMatch(/bottom must be less than top/);
    expect(rejection({ n: [{ numeric: ['>', 5, '<', 5] }] }).message).toMatch(/bottom must be less than top/);
    expect(rejection({ n: [{ numeric: ['>', 1, '>', 2] }] }).message).toMatch(/bad numeric range operator ">"/);
    expect(rejection({ n: [{ numeric: ['=', '5'] }] }).message).toMatch(/must be a number/);
    expect(rejection({ n: [{ numeric: ['~', 1] }] }).message).toMatch(/unrecognized numeric operator "~"/);
    expect(rejection({ n: [{ numeric: ['=', 1, '<', 2] }] }).message).toMatch(/too many terms/);
    expect(rejection({ n: [{ numeric: ['>', 1, '<', 2, 3] }] }).message).toMatch(/too many terms/);
    expect(rejection({ n: [{ numeric: ['>', 1, '<'] }] }).message).toMatch(/incomplete numeric range/);
    expect(rejection({ n: [{ numeric: ['>'] }] }).message).toMatch(/needs an operator and a number/);
    expect(rejection({ n: [{ numeric: ['<', 6e9] }] }).message).toMatch(/outside the numeric matching range/);
    expect(rejection({ n: [{ numeric: '>5' }] }).message).toMatch(/numeric must be an array/);
  });
});

describe('exists', () => {
  it('matches presence and absence of a leaf field (guide examples)', () => {
    const present = { detail: { state: [{ exists: true }] } };
    const absent = { detail: { 'c-count': [{ exists: false }] } };
    expect(matches(present, withDetail({ 'instance-id': 'i-abcd1111', state: 'pending' }))).toBe(true);
    expect(matches(present, withDetail({ 'c-count': { c1: 100 } }))).toBe(false);
    expect(matches(absent, withDetail({ state: ['initializing', 'running'] }))).toBe(true);
    expect(matches(absent, withDetail({ 'c-count': 3 }))).toBe(false);
  });

  it('only sees leaf nodes: a field holding an object counts as absent (guide: "c-count isn\'t a leaf node")', () => {
    const event = withDetail({ state: ['initializing', 'running'], 'c-count': { c1: 100 } });
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, event)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: true }] } }, event)).toBe(false);
  });

  it('counts null as present and an empty array as absent', () => {
    expect(matches({ detail: { v: [{ exists: true }] } }, withDetail({ v: null }))).toBe(true);
    expect(matches({ detail: { v: [{ exists: false }] } }, withDetail({ v: null }))).toBe(false);
    expect(matches({ detail: { v: [{ exists: true }] } }, withDetail({ v: [] }))).toBe(false);
    expect(matches({ detail: { v: [{ exists: false }] } }, withDetail({ v: [] }))).toBe(true);
    expect(matches({ detail: { v: [{ exists: true }] } }, withDetail({ v: ['a'] }))).toBe(true);
  });

  it('holds {"exists": false} when the parent object itself is missing', () => {
    expect(matches({ detail: { v: [{ exists: false }] } }, { source: 'aws.ec2' })).toBe(true);
    expect(matches({ detail: { v: [{ exists: true }] } }, { source: 'aws.ec2' })).toBe(false);
  });

  it('combines with other values in the same array as OR', () => {
    const pattern = { detail: { v: ['x', { exists: false }] } };
    expect(matches(pattern, withDetail({}))).toBe(true);
    expect(matches(pattern, withDetail({ v: 'x' }))).toBe(true);
    expect(matches(pattern, withDetail({ v: 'y' }))).toBe(false);
  });

  it('refuses anything but true or false', () => {
    expect(rejection({ v: [{ exists: 'true' }] }).message).toMatch(/exists match pattern must be either true or false/);
  });
});

describe('cidr (IP address matching)', () => {
  it('matches the guide example 10.0.0.0/24 and the event-ruler example against source-ip', () => {
    const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    expect(matches(pattern, withDetail({ sourceIPAddress: '10.0.0.255' }))).toBe(true);
    expect(matches(pattern, withDetail({ sourceIPAddress: '10.0.0.0' }))).toBe(true);
    expect(matches(pattern, withDetail({ sourceIPAddress: '10.0.1.1' }))).toBe(false);
    expect(matches({ detail: { 'source-ip': [{ cidr: '10.0.0.0/8' }] } }, rulerEvent)).toBe(true);
  });

  it('works for IPv6, whatever the spelling of the address', () => {
    const pattern = { detail: { ip: [{ cidr: '2001:db8::/32' }] } };
    expect(matches(pattern, withDetail({ ip: '2001:db8::1' }))).toBe(true);
    expect(matches(pattern, withDetail({ ip: '2001:0DB8:0000:0000:0000:0000:0000:0001' }))).toBe(true);
    expect(matches(pattern, withDetail({ ip: '2001:db9::1' }))).toBe(false);
    expect(matches(pattern, withDetail({ ip: '10.0.0.1' }))).toBe(false);
  });

  it('matches an IPv4-mapped IPv6 address against an IPv4 block, as Java address parsing does', () => {
    expect(matches({ detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, withDetail({ ip: '::ffff:10.0.0.7' }))).toBe(true);
  });

  it('masks host bits in the block: 10.0.0.7/24 covers the whole /24', () => {
    expect(matches({ detail: { ip: [{ cidr: '10.0.0.7/24' }] } }, withDetail({ ip: '10.0.0.1' }))).toBe(true);
  });

  it('ignores values that are not IP address strings', () => {
    const pattern = { detail: { ip: [{ cidr: '0.0.0.0/0' }] } };
    expect(matches(pattern, withDetail({ ip: 'example.com' }))).toBe(false);
    expect(matches(pattern, withDetail({ ip: 167772161 }))).toBe(false);
    expect(matches(pattern, withDetail({ ip: '10.0.0.1' }))).toBe(true);
  });

  it('refuses malformed blocks, including the full-length masks EventBridge refuses', () => {
    expect(rejection({ ip: [{ cidr: '10.0.0.0' }] }).message).toMatch(/one '\/' required/);
    expect(rejection({ ip: [{ cidr: '10.0.0.0/x' }] }).message).toMatch(/mask bits must be a non-negative integer/);
    expect(rejection({ ip: [{ cidr: '10.0.0.1/32' }] }).message).toMatch(/IPv4 mask bits must be < 32/);
    expect(rejection({ ip: [{ cidr: '2001:db8::1/128' }] }).message).toMatch(/IPv6 mask bits must be < 128/);
    expect(rejection({ ip: [{ cidr: '10.0.0.256/8' }] }).message).toMatch(/invalid IP address/);
    expect(rejection({ ip: [{ cidr: 10 }] }).message).toMatch(/cidr must be a string/);
  });

  it('compares an exact IP literal as an address', () => {
    expect(matches({ detail: { ip: ['2001:db8::1'] } }, withDetail({ ip: '2001:0db8:0:0:0:0:0:1' }))).toBe(true);
    expect(matches({ detail: { ip: ['10.0.0.1'] } }, withDetail({ ip: '10.0.0.1' }))).toBe(true);
    expect(matches({ detail: { ip: ['10.0.0.1'] } }, withDetail({ ip: '10.0.0.2' }))).toBe(false);
  });
});

describe('$or (event-ruler README and eb-create-pattern-operators "Or")', () => {
  const alarm = { source: 'aws.cloudwatch', metricName: 'CPUUtilization', namespace: 'AWS/RDS', detail: { source: 'x', 'detail-type': 'y' } };

  it('matches when any alternative matches, ANDed with the other fields', () => {
    const pattern = { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] };
    expect(matches(pattern, alarm)).toBe(true);
    expect(matches(pattern, { ...alarm, metricName: 'FreeStorage', namespace: 'AWS/EC2' })).toBe(true);
    expect(matches(pattern, { ...alarm, metricName: 'FreeStorage' })).toBe(false);
    expect(matches(pattern, { ...alarm, source: 'aws.ec2' })).toBe(false);
  });

  it('supports $or at nested levels and alternatives that are themselves ANDs with $or inside', () => {
    const parallel = {
      $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }],
      detail: { $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['y'] }] },
    };
    expect(matches(parallel, alarm)).toBe(true);
    expect(matches(parallel, { ...alarm, detail: { source: 'x', 'detail-type': 'z' } })).toBe(false);
    const nested = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['ReadLatency'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        { scope: ['Service'] },
      ],
    };
    expect(matches(nested, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES', spaceId: 1000 })).toBe(true);
    expect(matches(nested, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES', spaceId: 1 })).toBe(false);
  });

  it('refuses $or that is not an array of at least two objects, and operator names as fields inside it', () => {
    expect(rejection({ $or: [{ a: ['x'] }] }).message).toMatch(/at least 2 alternatives/);
    expect(rejection({ $or: { a: ['x'] } }).message).toMatch(/\$or must be followed by an array/);
    expect(rejection({ $or: [{ a: ['x'] }, 'b'] }).message).toMatch(/only objects are allowed/);
    expect(rejection({ $or: [{ numeric: [1] }, { prefix: ['abc'] }] }).message).toMatch(/"numeric" is an operator name/);
  });
});

describe('validateEventPattern', () => {
  it('accepts both routing patterns and a pattern using every operator', () => {
    expect(() => validateEventPattern(EventPatterns.intelChanged)).not.toThrow();
    expect(() => validateEventPattern(EventPatterns.exposureAct)).not.toThrow();
    expect(() => validateEventPattern(EventPatterns.cloudFindings)).not.toThrow();
    expect(() =>
      validateEventPattern({
        source: [{ prefix: 'forest' }, { suffix: { 'equals-ignore-case': 'ALL' } }],
        detail: {
          a: ['x', 1, true, null, { 'equals-ignore-case': 'X' }, { wildcard: 'a*b' }],
          b: [{ 'anything-but': { wildcard: ['*/lib/*'] } }, { numeric: ['>=', 0, '<', 10] }, { exists: false }, { cidr: '::/0' }],
          $or: [{ c: ['1'] }, { d: { e: ['2'] } }],
        },
      }),
    ).not.toThrow();
  });

  it('refuses leaf values that are not arrays, and says how to write them', () => {
    const error = rejection({ source: 'forestall' });
    expect(error).toBeInstanceOf(InvalidEventPattern);
    expect(error.name).toBe('InvalidEventPattern');
    expect(error.path).toBe('$.source');
    expect(error.message).toMatch(/must be an array of match values or a nested object, got string "forestall"/);
    expect(error.message).toContain('"source": ["forestall"]');
    expect(rejection({ detail: { decision: { prefix: 'a' } } }).message).toMatch(/operators go inside the field's array/);
    expect(rejection({ detail: { n: 5 } }).path).toBe('$.detail.n');
  });

  it('refuses unknown operators, naming them and the place', () => {
    const error = rejection({ 'detail-type': ['Intel Changed'], detail: { decision: [{ prefixx: 'a' }] } });
    expect(error.path).toBe('$.detail.decision[0]');
    expect(error.message).toMatch(/unrecognized match type "prefixx"/);
    expect(rejection({ v: [{ contains: 'a' }] }).message).toMatch(/unrecognized match type "contains"/);
  });

  it('refuses empty arrays, empty objects, several operators in one expression and nested arrays', () => {
    expect(rejection({ source: [] }).message).toMatch(/empty arrays are not allowed/);
    expect(rejection({}).message).toMatch(/empty objects are not allowed/);
    expect(rejection({ detail: {} }).path).toBe('$.detail');
    expect(rejection({ v: [{}] }).message).toMatch(/exactly one operator, found none/);
    expect(rejection({ v: [{ prefix: 'a', suffix: 'b' }] }).message).toMatch(/exactly one operator, found "prefix", "suffix"/);
    expect(rejection({ v: [['a']] }).message).toMatch(/match value must be a string, number, true, false, null or an operator object/);
    expect(rejection({ v: [Number.NaN] }).message).toMatch(/finite number/);
  });

  it('refuses a pattern that is not an object', () => {
    expect(rejection([{ source: ['x'] }]).message).toMatch(/must be a JSON object, got an array/);
    expect(rejection('{"source":["x"]}').message).toMatch(/must be a JSON object/);
    expect(rejection(null).message).toMatch(/must be a JSON object, got null/);
  });

  it('makes matchesEventPattern throw on a malformed pattern rather than answer false', () => {
    expect(() => matchesEventPattern({ source: 'forestall' }, { source: 'forestall' })).toThrow(InvalidEventPattern);
  });

  it('quotes field names that are not plain identifiers in the path', () => {
    expect(rejection({ detail: { 'a.b c': 'x' } }).path).toBe('$.detail["a.b c"]');
  });
});

describe('the routing rules against forestall events', () => {
  const envelope = (detailType: string, detail: unknown, source: string = EVENT_SOURCE) => ({
    version: '0',
    id: '2f1c0b1e-7a4e-4a53-9d86-7c1c2b8f9a10',
    'detail-type': detailType,
    source,
    account: '111122223333',
    time: '2023-10-18T02:00:07Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  });

  const intelChanged = IntelChangedSchema.parse({
    version: EVENT_VERSION,
    tenant: 'default',
    kind: 'vulnerability',
    id: 'CVE-2023-4966',
    source: 'cisa-kev',
    changedFields: ['dateAdded', 'dueDate', 'requiredAction', 'knownRansomwareCampaignUse'],
  });

  const exposure = (decision: 'track' | 'track*' | 'attend' | 'act') =>
    ExposureDetectedSchema.parse({
      version: EVENT_VERSION,
      tenant: 'default',
      vulnerability: {
        id: 'CVE-2023-4966',
        name: 'Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow Vulnerability',
        kev: true,
        cvss: 9.4,
        requiredAction: 'Apply mitigations and kill all active and persistent sessions per vendor instructions',
        dueDate: '2023-11-08',
      },
      decision,
      assetIds: ['netscaler-edge-01', 'netscaler-edge-02'],
      assetCount: 2,
      exposureIds: ['CVE-2023-4966|netscaler-edge-01', 'CVE-2023-4966|netscaler-edge-02'],
      reasons: ['CISA KEV lists CVE-2023-4966 (known ransomware use)', 'internet-facing NetScaler Gateway'],
      detectedAt: '2023-10-18T02:00:09Z',
    });

  it('sends Intel Changed for a KEV vulnerability to matching, and nothing else', () => {
    expect(matchesEventPattern(EventPatterns.intelChanged, envelope(DetailType.IntelChanged, intelChanged))).toBe(true);
    expect(matchesEventPattern(EventPatterns.intelChanged, envelope(DetailType.ExposureDetected, exposure('act')))).toBe(false);
    expect(matchesEventPattern(EventPatterns.intelChanged, envelope(DetailType.IntelChanged, { ...intelChanged, kind: 'indicator' }))).toBe(false);
    expect(matchesEventPattern(EventPatterns.intelChanged, envelope(DetailType.IntelChanged, intelChanged, 'aws.inspector2'))).toBe(false);
  });

  it('starts the playbook only for exposures decided `act`', () => {
    expect(matchesEventPattern(EventPatterns.exposureAct, envelope(DetailType.ExposureDetected, exposure('act')))).toBe(true);
    for (const decision of ['track', 'track*', 'attend'] as const) {
      expect(matchesEventPattern(EventPatterns.exposureAct, envelope(DetailType.ExposureDetected, exposure(decision)))).toBe(false);
    }
    expect(matchesEventPattern(EventPatterns.exposureAct, envelope(DetailType.IntelChanged, intelChanged))).toBe(false);
    expect(matchesEventPattern(EventPatterns.exposureAct, envelope(DetailType.ExposureDetected, exposure('act'), 'forestall.test'))).toBe(false);
  });

  it('sends Inspector and Security Hub findings to the cloud findings function, never a forestall event named like one', () => {
    expect(matchesEventPattern(EventPatterns.cloudFindings, envelope('Inspector2 Finding', {}, 'aws.inspector2'))).toBe(true);
    expect(matchesEventPattern(EventPatterns.cloudFindings, envelope('Security Hub Findings - Imported', { findings: [] }, 'aws.securityhub'))).toBe(true);
    expect(matchesEventPattern(EventPatterns.cloudFindings, envelope('Inspector2 Finding', {}))).toBe(false);
    expect(matchesEventPattern(EventPatterns.cloudFindings, envelope('Inspector2 Scan', {}, 'aws.inspector2'))).toBe(false);
    expect(matchesEventPattern(EventPatterns.cloudFindings, envelope(DetailType.IntelChanged, intelChanged))).toBe(false);
  });

  it('routes a JSON round-tripped event the same way (what a target receives)', () => {
    const event = JSON.parse(JSON.stringify(envelope(DetailType.ExposureDetected, exposure('act')))) as unknown;
    expect(compileEventPattern(EventPatterns.exposureAct)(event)).toBe(true);
  });
});

describe('properties', () => {
  const leaf = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true, min: -5e9, max: 5e9 }), fc.boolean(), fc.constant(null));

  it('an exact value matches exactly the equal leaf value', () => {
    fc.assert(
      fc.property(leaf, leaf, (wanted, actual) => {
        expect(matches({ detail: { v: [wanted] } }, withDetail({ v: actual }))).toBe(wanted === actual);
      }),
    );
  });

  it('anything-but a value is the complement of matching it, whenever the field is present', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer()), leaf, (excluded, actual) => {
        const event = withDetail({ v: actual });
        const exact = matches({ detail: { v: [excluded] } }, event);
        expect(matches({ detail: { v: [{ 'anything-but': excluded }] } }, event)).toBe(!exact);
      }),
    );
  });

  it('exists true and exists false disagree on every event', () => {
    fc.assert(
      fc.property(fc.option(fc.jsonValue(), { nil: undefined }), (value) => {
        const event = withDetail(value === undefined ? {} : { v: value });
        expect(matches({ detail: { v: [{ exists: true }] } }, event)).toBe(!matches({ detail: { v: [{ exists: false }] } }, event));
      }),
    );
  });

  it('prefix and suffix match any extension of the string, with ignore-case agreeing on lower-cased input', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (head, middle, tail) => {
        const event = withDetail({ v: head + middle + tail });
        expect(matches({ detail: { v: [{ prefix: head }] } }, event)).toBe(true);
        expect(matches({ detail: { v: [{ suffix: tail }] } }, event)).toBe(true);
        expect(matches({ detail: { v: [{ prefix: { 'equals-ignore-case': head.toUpperCase() } }] } }, withDetail({ v: (head + middle).toLowerCase() }))).toBe(
          (head + middle).toLowerCase().startsWith(head.toUpperCase().toLowerCase()),
        );
      }),
    );
  });

  it('wildcard agrees with a regular-expression reference on random patterns', () => {
    const glob = fc.array(fc.constantFrom('a', 'b', '*'), { maxLength: 8 }).map((chars) => chars.join('')).filter((p) => !p.includes('**'));
    const text = fc.array(fc.constantFrom('a', 'b'), { maxLength: 10 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(glob, text, (pattern, value) => {
        const reference = new RegExp(`^${pattern.replaceAll('*', '.*')}$`, 's');
        expect(matches({ detail: { v: [{ wildcard: pattern }] } }, withDetail({ v: value }))).toBe(reference.test(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('an escaped string is a wildcard that matches only itself, and *escaped* means "contains"', () => {
    const escape = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('*', '\\*');
    const chars = fc.array(fc.constantFrom('a', '*', '\\', 'b'), { maxLength: 6 }).map((c) => c.join(''));
    fc.assert(
      fc.property(chars, chars, (literal, value) => {
        expect(matches({ detail: { v: [{ wildcard: escape(literal) }] } }, withDetail({ v: value }))).toBe(literal === value);
        // "**" is refused, so the contains form needs a non-empty literal.
        if (literal !== '') {
          expect(matches({ detail: { v: [{ wildcard: `*${escape(literal)}*` }] } }, withDetail({ v: value }))).toBe(value.includes(literal));
        }
      }),
    );
  });

  it('numeric ranges agree with plain comparisons', () => {
    const n = fc.double({ noNaN: true, noDefaultInfinity: true, min: -5e9, max: 5e9 });
    fc.assert(
      fc.property(n, n, n, fc.boolean(), fc.boolean(), (a, b, value, openBottom, openTop) => {
        fc.pre(a < b);
        const pattern = { detail: { v: [{ numeric: [openBottom ? '>' : '>=', a, openTop ? '<' : '<=', b] }] } };
        const expected = (openBottom ? value > a : value >= a) && (openTop ? value < b : value <= b);
        expect(matches(pattern, withDetail({ v: value }))).toBe(expected);
      }),
    );
  });

  it('IPv4 cidr agrees with a bit-arithmetic reference', () => {
    const dotted = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 31 }), (network, address, bits) => {
        const expected = bits === 0 || network >>> (32 - bits) === address >>> (32 - bits);
        expect(matches({ detail: { ip: [{ cidr: `${dotted(network)}/${bits}` }] } }, withDetail({ ip: dotted(address) }))).toBe(expected);
      }),
    );
  });

  it('IPv6 cidr agrees with a BigInt reference', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    const address = fc.array(group, { minLength: 8, maxLength: 8 });
    const text = (groups: number[]) => groups.map((g) => g.toString(16)).join(':');
    const value = (groups: number[]) => groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
    fc.assert(
      fc.property(address, address, fc.integer({ min: 0, max: 127 }), (network, candidate, bits) => {
        const shift = BigInt(128 - bits);
        const expected = value(network) >> shift === value(candidate) >> shift;
        expect(matches({ detail: { ip: [{ cidr: `${text(network)}/${bits}` }] } }, withDetail({ ip: text(candidate) }))).toBe(expected);
      }),
    );
  });

  it('$or of two patterns matches exactly when either does', () => {
    const small = fc.constantFrom('a', 'b', 'c');
    const values = fc.array(small, { minLength: 1, maxLength: 2 });
    const sub = fc.record({ x: values, y: values }, { requiredKeys: [] }).filter((r) => Object.keys(r).length > 0);
    const event = fc.record({ x: fc.option(small, { nil: undefined }), y: fc.option(small, { nil: undefined }) });
    fc.assert(
      fc.property(sub, sub, event, (left, right, e) => {
        const either = matches(left, e) || matches(right, e);
        expect(matches({ $or: [left, right] }, e)).toBe(either);
      }),
    );
  });
});
