import { z } from 'zod';
import { actuatorLambda } from '../../action-kernel/actuator-lambda.ts';
import { readEnv } from '../../config/env.ts';
import { ec2SecurityGroupDefinition } from './definition.ts';
import { createEc2Api } from './ec2-client.ts';
import { ec2SecurityGroup } from './security-group.ts';

/** Revokes (apply) or restores (release) internet ingress on the targets' security groups. */
export const handler = actuatorLambda(ec2SecurityGroupDefinition, ({ account, settings }) => {
  // Loopback EC2 endpoint for local mode only.
  const { EC2_ENDPOINT } = readEnv(z.object({ EC2_ENDPOINT: z.url().optional() }));
  return ec2SecurityGroup(createEc2Api({ endpoint: EC2_ENDPOINT, ownAccount: account, memberRoleName: settings.ec2MemberRoleName }));
});
