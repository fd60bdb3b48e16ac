import { Aspects, RemovalPolicy, type IAspect } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

/** Properties of {@link ForestallAlarms}. */
export interface ForestallAlarmsProps {
  /**
   * Addresses subscribed to the topic by email (each confirms once). Chat (AWS Chatbot / Amazon Q
   * Developer in chat applications) and paging tools subscribe to the topic themselves.
   * @default - none
   */
  readonly emails?: readonly string[];
  /**
   * What happens to the topic's key when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The one place forestall's alarms go: an SNS topic encrypted with its own customer-managed key (CloudWatch
 * cannot publish to a topic under the AWS-managed SNS key, so the key policy lets CloudWatch use it),
 * TLS-only, with optional email subscriptions. `notifyEveryAlarm(scope)` makes every CloudWatch alarm
 * under `scope` (whenever it is added) notify the topic.
 */
export class ForestallAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: ForestallAlarmsProps = {}) {
    super(scope, id);
    const emails = props.emails ?? [];
    for (const email of emails) {
      if (!EMAIL.test(email)) throw new Error(`ForestallAlarms: alarmEmails entry "${email}" is not an email address`);
    }
    if (new Set(emails).size !== emails.length) throw new Error('ForestallAlarms: alarmEmails lists an address twice');

    this.key = new kms.Key(this, 'Key', {
      description: 'forestall alarm topic encryption',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // CloudWatch encrypts the notification with this key when it publishes; the key protects nothing but
    // this topic's alarm notifications.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'forestall alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of emails) this.topic.addSubscription(new subscriptions.EmailSubscription(email));
  }

  /** Every CloudWatch alarm under `scope`, including ones added later, notifies the topic when it fires. */
  notifyEveryAlarm(scope: IConstruct): void {
    Aspects.of(scope).add(new NotifyTopic(this.topic));
  }
}

/** Adds the topic as an alarm action to every alarm it visits, once. */
class NotifyTopic implements IAspect {
  private readonly action: actions.SnsAction;
  private readonly done = new WeakSet<IConstruct>();

  constructor(topic: sns.ITopic) {
    this.action = new actions.SnsAction(topic);
  }

  visit(node: IConstruct): void {
    if (node instanceof cloudwatch.AlarmBase && !this.done.has(node)) {
      this.done.add(node);
      node.addAlarmAction(this.action);
    }
  }
}
