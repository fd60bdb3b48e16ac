import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import { ACTION_TRIGGERS, EventPatterns, rulePattern, type EventPatternName } from '../../functions/routing/rules.ts';
import { ForestallBus, toCdkEventPattern } from '../../lib/forestall-bus.ts';

function busStack(props: ConstructorParameters<typeof ForestallBus>[2] = {}) {
  const stack = new Stack(new App(), 'BusTest');
  const bus = new ForestallBus(stack, 'Bus', props);
  return { stack, bus };
}

describe('toCdkEventPattern', () => {
  it('renders every shared pattern back to exactly the rules.ts object, action triggers limited to the stack account', () => {
    const { stack, bus } = busStack();
    const names = Object.keys(EventPatterns) as EventPatternName[];
    for (const name of names) bus.addRule(`Rule-${name}`, name);
    const patterns = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule')).map((rule) => rule.Properties.EventPattern);
    const ownAccount = { Ref: 'AWS::AccountId' };
    expect(patterns).toEqual(
      names.map((name) => {
        const pattern = JSON.parse(JSON.stringify(rulePattern(name, 'OWN')));
        return pattern.account ? { ...pattern, account: [ownAccount] } : pattern;
      }),
    );
    const byName = Object.fromEntries(names.map((name, index) => [name, patterns[index]]));
    // The playbook starts only for this account's findings; intel may come from any admitted account.
    expect(byName.exposureAct.account).toEqual([ownAccount]);
    expect(byName.intelChanged.account).toBeUndefined();
    for (const name of ACTION_TRIGGERS) expect(byName[name].account, name).toEqual([ownAccount]);
  });

  it('names the literal account in a stack with a concrete account', () => {
    const stack = new Stack(new App(), 'Concrete', { env: { account: '123456789012', region: 'eu-west-1' } });
    new ForestallBus(stack, 'Bus').addRule('Act', 'exposureAct');
    const [rule] = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'));
    expect(rule!.Properties.EventPattern.account).toEqual(['123456789012']);
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
