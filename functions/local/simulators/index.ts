import { startCrowdStrikeSimulator } from './crowdstrike-simulator.ts';
import type { CrowdStrikeSimulatorOptions, CrowdStrikeSimulatorState } from './crowdstrike-simulator.ts';
import { startEc2Simulator } from './ec2-simulator.ts';
import type { Ec2SimulatorOptions, Ec2SimulatorState } from './ec2-simulator.ts';
import type { RunningSimulator } from './http-simulator.ts';
import { startOktaSimulator } from './okta-simulator.ts';
import type { OktaSimulatorOptions, OktaSimulatorState } from './okta-simulator.ts';
import { startSlackSimulator } from './slack-simulator.ts';
import type { SlackSimulatorOptions, SlackSimulatorState } from './slack-simulator.ts';

export { startCrowdStrikeSimulator, startEc2Simulator, startOktaSimulator, startSlackSimulator };
export type { RecordedRequest, RunningSimulator } from './http-simulator.ts';

export interface VendorSimulatorOptions {
  okta: OktaSimulatorOptions;
  crowdstrike: CrowdStrikeSimulatorOptions;
  slack: SlackSimulatorOptions & { channel: string };
  ec2: Ec2SimulatorOptions;
}

export interface VendorSimulators {
  okta: RunningSimulator<OktaSimulatorState>;
  crowdstrike: RunningSimulator<CrowdStrikeSimulatorState>;
  slack: RunningSimulator<SlackSimulatorState>;
  ec2: RunningSimulator<Ec2SimulatorState>;
  /**
   * Environment for the actuator handlers so they talk to the simulators (names as in the deployed
   * stack; secrets are given directly, as `secretSourceFromEnv` allows locally).
   */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the four vendor endpoints on 127.0.0.1 for the local demo. */
export async function startVendorSimulators(options: VendorSimulatorOptions): Promise<VendorSimulators> {
  const [okta, crowdstrike, slack, ec2] = await Promise.all([
    startOktaSimulator(options.okta),
    startCrowdStrikeSimulator(options.crowdstrike),
    startSlackSimulator(options.slack),
    startEc2Simulator(options.ec2),
  ]);
  return {
    okta,
    crowdstrike,
    slack,
    ec2,
    env: {
      OKTA_ORG_URL: okta.url,
      OKTA_API_TOKEN: options.okta.token,
      CROWDSTRIKE_BASE_URL: crowdstrike.url,
      CROWDSTRIKE_CLIENT: JSON.stringify({ clientId: options.crowdstrike.clientId, clientSecret: options.crowdstrike.clientSecret }),
      SLACK_API_URL: `${slack.url}/api/`,
      SLACK_TOKEN: options.slack.token,
      SLACK_CHANNEL: options.slack.channel,
      EC2_ENDPOINT: ec2.url,
    },
    close: async () => {
      await Promise.all([okta.close(), crowdstrike.close(), slack.close(), ec2.close()]);
    },
  };
}
