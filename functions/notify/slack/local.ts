import type { LocalActuatorContext } from '../../local/local-actuator.ts';
import type { RunningSimulator } from '../../local/simulators/http-simulator.ts';
import { startSlackSimulator, type SlackSimulatorState } from './slack-simulator.ts';

const TOKEN = 'xoxb-local-demo';
export const LOCAL_SLACK_CHANNEL = 'C0SECOPS01';

/** A Slack workspace on 127.0.0.1 and the notifier's environment pointing at it. */
export async function startLocalSlack(_context?: LocalActuatorContext): Promise<{ env: Record<string, string>; simulator: RunningSimulator<SlackSimulatorState>; close(): Promise<void> }> {
  const simulator = await startSlackSimulator({ token: TOKEN });
  return {
    env: { SLACK_API_URL: `${simulator.url}/api/`, SLACK_TOKEN: TOKEN, SLACK_CHANNEL: LOCAL_SLACK_CHANNEL },
    simulator,
    close: () => simulator.close(),
  };
}
