import type { ActuatorDefinition } from '../action-kernel/actuator-definition.ts';
import type { ActuatorResponse, ReleaseRequest } from '../action-kernel/actuator-request.ts';
import type { ActionRecord } from '../model/action.ts';
import type { GuardrailPolicy } from '../model/tenant.ts';
import { checkPatch } from '../playbook/check-patch.ts';
import type { Repositories } from '../store/ports.ts';

export interface SweepDeps {
  repositories: Pick<Repositories, 'actions' | 'assets' | 'vulnerabilities'>;
  actuators: readonly ActuatorDefinition<unknown>[];
  policyFor: (tenant: string) => GuardrailPolicy;
  /** Calls an actuator's function (in a deployment, Lambda Invoke of the function the stack made for it). */
  invokeActuator(actuator: string, request: ReleaseRequest): Promise<ActuatorResponse>;
  /** Tells people about actions left standing past their expiry (`onExpiry: notify`) and what was done. */
  notify(tenant: string, sweep: string, actionIds: string[]): Promise<void>;
  now: () => Date;
  /** At most this many expired actions per tenant per sweep; the rest wait for the next (every 5 minutes). */
  limit?: number;
}

export interface SweepOutcome {
  tenant: string;
  actionId: string;
  actuator: string;
  target: string;
  onExpiry: string;
  /** What the sweep did: `released` (hold dropped, reverted if it was the last), `renewed`, `notified` or `failed`. */
  did: 'released' | 'renewed' | 'notified' | 'failed';
  detail: string;
}

const DEFAULT_LIMIT = 200;

/**
 * Handles expired actions, tenant by tenant, oldest first, per each action's `onExpiry`: `revert` drops the
 * run's hold through the actuator (the kernel reverts when it was the last hold and confirms it); `renew`
 * extends the expiry while an asset of the action is still affected by the vulnerability it answers, and
 * otherwise releases; `notify` tells people the change stands past its expiry and takes it out of the
 * expiry index. Every outcome is recorded on the action records (the releases are records of their own),
 * and one failure does not stop the rest.
 */
export async function sweepExpiredActions(deps: SweepDeps, tenants: readonly string[]): Promise<SweepOutcome[]> {
  const now = deps.now();
  const sweep = `sweeper:${now.toISOString()}`;
  const outcomes: SweepOutcome[] = [];
  for (const tenant of tenants) {
    const expired = await deps.repositories.actions.listExpiringBefore(tenant, now.toISOString(), deps.limit ?? DEFAULT_LIMIT);
    const notified: string[] = [];
    for (const action of expired) {
      const outcome = await handleExpired(deps, tenant, sweep, now, action).catch(
        (error: unknown): SweepOutcome => ({ ...describe(tenant, action), did: 'failed', detail: `${(error as Error).name}: ${(error as Error).message}` }),
      );
      outcomes.push(outcome);
      if (outcome.did !== 'renewed') notified.push(action.id);
    }
    if (notified.length > 0) await deps.notify(tenant, sweep, notified);
  }
  return outcomes;
}

function describe(tenant: string, action: ActionRecord) {
  return { tenant, actionId: action.id, actuator: action.actuator, target: action.target, onExpiry: action.onExpiry ?? 'revert' };
}

async function handleExpired(deps: SweepDeps, tenant: string, sweep: string, now: Date, action: ActionRecord): Promise<SweepOutcome> {
  const onExpiry = action.onExpiry ?? 'revert';
  const base = describe(tenant, action);
  if (onExpiry === 'notify') {
    await deps.repositories.actions.update({
      ...action,
      expiryNotifiedAt: now.toISOString(),
      detail: `${action.detail ? `${action.detail}; ` : ''}expired ${action.expiresAt}: left standing (onExpiry notify), people told by ${sweep}`,
      updatedAt: now.toISOString(),
    });
    return { ...base, did: 'notified', detail: 'left standing; people told' };
  }
  if (onExpiry === 'renew') {
    const exposed = await stillAffected(deps, tenant, action);
    if (exposed.length > 0) {
      const definition = deps.actuators.find((d) => d.name === action.actuator);
      const hours = deps.policyFor(tenant).actuators[action.actuator]?.expiresAfterHours ?? definition?.policy.expiresAfterHours ?? 24;
      const expiresAt = new Date(now.getTime() + hours * 3_600_000).toISOString();
      await deps.repositories.actions.update({
        ...action,
        expiresAt,
        detail: `${action.detail ? `${action.detail}; ` : ''}renewed until ${expiresAt} by ${sweep}: still affected on ${exposed.join(', ')}`,
        updatedAt: now.toISOString(),
      });
      return { ...base, did: 'renewed', detail: `renewed until ${expiresAt}` };
    }
  }
  if (!action.hold) throw new Error(`action ${action.id} has no hold to release`);
  const reason = onExpiry === 'renew' ? `expired ${action.expiresAt}; no longer affected` : `expired ${action.expiresAt}`;
  const response = await deps.invokeActuator(action.actuator, { operation: 'release', tenant, execution: sweep, reason, hold: action.hold, actionIds: [action.id] });
  const result = response.actions[0];
  return { ...base, did: 'released', detail: result ? `${result.status}: ${result.detail ?? ''}` : 'nothing to release' };
}

/** Assets of the action still running a version its vulnerability affects (evidence of the fix releases it). */
async function stillAffected(deps: SweepDeps, tenant: string, action: ActionRecord): Promise<string[]> {
  const byVulnerability = new Map<string, string[]>();
  for (const exposure of action.exposureIds) {
    const [vulnerability, asset] = exposure.split('|');
    if (vulnerability && asset) byVulnerability.set(vulnerability, [...(byVulnerability.get(vulnerability) ?? []), asset]);
  }
  const affected: string[] = [];
  for (const [vulnerability, assetIds] of byVulnerability) {
    const check = await checkPatch({ repositories: deps.repositories, now: deps.now }, { tenant, vulnerability, assetIds }).catch(() => undefined);
    // A vulnerability no longer in the store cannot keep a change standing.
    if (check) affected.push(...check.stillAffected);
  }
  return affected;
}
