import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readForestallConfig } from '../lib/forestall-config.ts';
import { ForestallMemberStack } from '../lib/forestall-member-stack.ts';
import { ForestallStack } from '../lib/forestall-stack.ts';

const app = new App();
// Unknown or malformed forestall: context fails here, naming the key.
const { centralAccountId, findingsBusArn, ...config } = readForestallConfig(app.node);
// Environment-agnostic unless the CLI resolved an account/region; synth needs no credentials.
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

new ForestallStack(app, 'Forestall', { env, ...config });

if (centralAccountId) {
  // Deployed with the member account's credentials: `cdk deploy ForestallMember`.
  new ForestallMemberStack(app, 'ForestallMember', {
    env,
    centralAccountId,
    // The role name and the regions/tag it may change come from the same context as the central stack's.
    actuatorSettings: config.actuatorSettings,
    // Forwards this account's Inspector and Security Hub findings to the central bus when set.
    findingsBusArn,
  });
} else if (findingsBusArn) {
  throw new Error('forestall:findingsBusArn configures the member stack, which needs forestall:centralAccountId too');
}

// cdk-nag errors fail synth (both stacks); every suppression in lib/ carries its reason.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));

app.synth();
