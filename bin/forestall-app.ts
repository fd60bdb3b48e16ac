import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readForestallConfig } from '../lib/forestall-config.ts';
import { ForestallStack } from '../lib/forestall-stack.ts';

const app = new App();

new ForestallStack(app, 'Forestall', {
  // Environment-agnostic unless the CLI resolved an account/region; synth needs no credentials.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  ...readForestallConfig(app.node),
});

// cdk-nag errors fail synth; every suppression in lib/ carries its reason.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));

app.synth();
