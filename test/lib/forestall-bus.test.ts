import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import { EventPatterns } from '../../functions/routing/rules.ts';
import { ForestallBus, toCdkEventPattern } from '../../lib/forestall-bus.ts';

function busStack(props: ConstructorParameters<typeof ForestallBus>[2] = {}) {
  const stack = new Stack(new App(), 'BusTest');
  const bus = new ForestallBus(stack, 'Bus', props);
  return { stack, bus };
}

describe('toCdkEventPattern', () => {
  it('renders every shared pattern back to exactly the rules.ts object', () => {
    const { stack, bus } = busStack();
    for (const name of Object.keys(EventPatterns) as (keyof typeof EventPatterns)[]) bus.addRule(`Rule-${name}`, name);
    const patterns = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule')).map(
      (rule) => rule.Properties.EventPattern,
    );
    expect(patterns).toEqual(Object.values(EventPatterns).map((pattern) => JSON.parse(JSON.stringify(pattern))));
  });

  it('keeps content-filter operators unchanged', () => {
    const pattern = {
      source: ['forestall'],
      'detail-type': [{ prefix: 'Exposure' }],
      detail: { decision: [{ 'anything-but': ['track'] }], cvss: [{ numeric: ['>=', 9] }] },
    };
    const stack = new Stack(new App(), 'Operators');
    new events.Rule(stack, 'Rule', { eventPattern: toCdkEventPattern(pattern) });
    const [synthesized] = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'));
    expect(synthesized!.Properties.EventPattern).toEqual(pattern);
  });

  it('refuses top-level fields the CDK pattern cannot carry instead of dropping them', () => {
    expect(() => toCdkEventPattern({ $or: [{ source: ['a'] }] })).toThrow(/"\$or" has no CDK EventPattern equivalent/);
  });
});

describe('ForestallBus', () => {
  it('admits no other account by default and archives forestall events', () => {
    const template = Template.fromStack(busStack().stack);
    template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'forestall' });
    template.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: ['forestall'] }, RetentionDays: 365 });
  });

  it('lets subscriber accounts manage only the rules they created on this bus', () => {
    const template = Template.fromStack(busStack({ subscriberAccountIds: ['333333333333'] }).stack);
    const [policy] = Object.values(template.findResources('AWS::Events::EventBusPolicy'));
    const statement = policy!.Properties.Statement;
    expect(statement).toMatchObject({
      Sid: expect.stringContaining('SubscribersManageTheirOwnRules'),
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Join': ['', expect.arrayContaining([':iam::333333333333:root'])] } },
      Condition: { StringEqualsIfExists: { 'events:creatorAccount': '${aws:PrincipalAccount}' } },
    });
    expect(statement.Action).toEqual(expect.arrayContaining(['events:PutRule', 'events:PutTargets', 'events:DeleteRule']));
    expect(statement.Action).not.toContain('events:PutEvents');
    expect(JSON.stringify(statement.Resource)).toContain(':rule/forestall/*');
    expect(() => busStack({ subscriberAccountIds: ['3333'] })).toThrow(/subscriberAccountIds entry "3333"/);
  });

  it('names the bad value when an account or organization id is malformed', () => {
    expect(() => busStack({ putEventsAccountIds: ['12345'] })).toThrow(/putEventsAccountIds entry "12345" is not a 12-digit/);
    expect(() => busStack({ putEventsAccountIds: ['111111111111', '111111111111'] })).toThrow(/lists an account twice/);
    expect(() => busStack({ putEventsOrganizationId: 'org-1' })).toThrow(/putEventsOrganizationId "org-1"/);
    expect(() => busStack({ eventBusName: 'default' })).toThrow(/eventBusName/);
  });
});
