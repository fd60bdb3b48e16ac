import type { Asset } from '../model/asset.ts';
import type { RunningSimulator } from './simulators/http-simulator.ts';

/** What local mode gives an actuator's stand-in: the estate, so the simulated vendor knows its hosts, users, groups. */
export interface LocalActuatorContext {
  assets: readonly Asset[];
}

/** An actuator's local stand-in: a simulated vendor on 127.0.0.1 and the environment pointing the handler at it. */
export interface LocalActuator {
  /** Settings and secrets as the handler reads them (secrets given directly, as local mode allows). */
  env: Record<string, string>;
  simulator: RunningSimulator<unknown>;
  /**
   * The simulator's operations that change what a target does (contain, revoke a rule, sign out), as
   * opposed to reads and follow-ups such as tagging: the benchmark counts these per change recorded.
   */
  changeOperations: readonly string[];
  /** The vendor state in one line for a timeline, e.g. `8 of 56 hosts contained`. */
  describe(): string;
  close(): Promise<void>;
}

/** The module an actuator definition names in `deployment.local`. */
export interface LocalActuatorModule {
  startLocal(context: LocalActuatorContext): Promise<LocalActuator>;
}
